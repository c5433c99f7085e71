// danfojs-node asks for tfjs-node v3; we give it the project's @tensorflow/tfjs (one engine, one backend registry).
module.exports = require("@tensorflow/tfjs");
