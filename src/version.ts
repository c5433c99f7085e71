/** The library version, part of every cache key and manifest. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json sits outside rootDir of the build
export const VERSION: string = require("../package.json").version;
