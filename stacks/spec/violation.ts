// A rule violation found by a cross-field check: where in the spec, and which rule.
export interface Violation {
    path: (string | number)[];
    rule: string;
}
