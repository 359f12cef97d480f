// The date the hostile-input tests parse the fleet at: the support table's rules are judged against
// it, not the clock. A helper, not a test file: hostile.test.ts and the hostile-input tests that hand
// values to real bash (test/integration/spec-hostile.test.ts) share it.
export const TODAY = new Date("2026-11-29T12:00:00Z");
