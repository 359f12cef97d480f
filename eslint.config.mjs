// ESLint (flat config): ESLint's and typescript-eslint's recommended rules on every TypeScript
// source. Formatting is Prettier's job (.prettierrc.json), so no stylistic rules here.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/**", "bin/**", ".cache/**", "manifests/**", "files/**", "test/fixtures/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Unused bindings are errors, except the deliberately ignored `_name`.
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
        },
    },
    {
        // The mock engine handles untyped wire values, and the tests mutate raw (unvalidated) specs.
        files: ["tools/**/*.ts", "test/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
    {
        // The build, test and program launchers are plain CommonJS run by node itself (no build step before them).
        files: ["tools/**/*.js"],
        languageOptions: {
            sourceType: "commonjs",
            globals: {
                require: "readonly",
                module: "writable",
                exports: "writable",
                process: "readonly",
                console: "readonly",
                __dirname: "readonly",
                __filename: "readonly",
                Buffer: "readonly",
                setTimeout: "readonly",
            },
        },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        // Tools and tests load some modules lazily (the SDK only after argv is read) or as plain JS.
        files: ["tools/**/*.ts", "test/**/*.ts"],
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        // Policies read provider inputs, which are untyped by nature (any resource type's props).
        files: ["policy/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
);
