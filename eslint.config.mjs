// ESLint flat config: typescript-eslint's recommended rules for the library, tests and scripts.
// Notebooks are not linted here (tslab type-checks each cell; the hygiene test checks their shape).
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(globalIgnores(["**/dist/", "node_modules/", ".venv/", "release/", "test-artifacts/", "python/", "binder/"]), {
  files: ["**/*.ts", "**/*.mjs", "**/*.cjs", "**/*.js"],
  extends: [tseslint.configs.recommended],
  rules: {
    // Functions that travel to workers take and return arbitrary values (see docs/DESIGN.md);
    // `any` there is the honest type, so it is allowed.
    "@typescript-eslint/no-explicit-any": "off",
    // Legacy decorators and travel.ts's functionSource() accept any callable, constructors included.
    "@typescript-eslint/no-unsafe-function-type": "off",
    // A wrapper that needs both its own `this` and the caller's names the outer one.
    "@typescript-eslint/no-this-alias": ["error", { allowedNames: ["self", "context", "outer"] }],
    // Workers and children load CommonJS modules by path at run time.
    "@typescript-eslint/no-require-imports": "off",
    "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    eqeqeq: ["error", "smart"],
    "no-var": "error",
    "prefer-const": "error",
    "no-empty": ["error", { allowEmptyCatch: false }],
    "no-throw-literal": "error",
  },
});
