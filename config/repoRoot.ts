import path from "node:path";

// The repository's root from any module of it, run from its sources
// (<root>/<folder>/x.ts) or from the build (<root>/dist/<folder>/x.js).
const up = path.resolve(__dirname, "..");
export const REPO_ROOT = path.basename(up) === "dist" ? path.dirname(up) : up;
