// ESLint (flat config): the recommended rules over the browser's ES modules in
// exchange/static/js and the node tests in tests/js. Run by scripts/test.sh (`make test`).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", ".venv/", "instance/"] },
  js.configs.recommended,
  {
    files: ["exchange/static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: {
        ...globals.browser,
        // Vendor scripts loaded as classic <script> before the page's modules.
        L: "readonly",
      },
    },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.node },
    },
  },
];
