/**
 * Every paper's experiments, registered on import. Paper folders add one line each (`import "./<paper>";`).
 * Notebooks import a paper's experiments from its folder (`../dist/papers/eos`).
 */
import "./demo";
import "./corridors";
import "./central-flows";
import "./saxe";
import "./eos";
