// Mappings of the stack file as the program receives them: in one key order, whatever order the file
// wrote them in.
import { z } from "zod";
import { entriesByKey } from "../../components/core/order";

/**
 * A mapping whose keys the stack file names freely. A YAML mapping has no order, so its keys are
 * handed on in code-unit order whatever order the file wrote them in (JavaScript puts integer-like
 * keys such as "9" first, in numeric order, also the same for any order): rewriting them in another
 * order changes nothing the program renders. A default is not parsed (zod's `.default()`): it is
 * written in this order (test/stacks/spec/mapping.test.ts checks).
 */
export function mapping<K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V) {
    return ordered(z.record(key, value).transform((r) => Object.fromEntries(entriesByKey(r)) as typeof r));
}

/** A mapping whose keys are an enum's: handed on in the enum's order (which the defaults follow), for the same reason. */
export function enumMapping<const K extends readonly [string, ...string[]], V extends z.ZodType>(keys: K, value: V) {
    return ordered(
        z
            .partialRecord(z.enum(keys), value)
            .transform((r) => Object.fromEntries(keys.flatMap((k) => (k in r ? [[k, (r as Record<string, unknown>)[k]]] : []))) as typeof r),
    );
}

/** The mappings made here: a test walks the fleet schema for a record that is not one of them. */
export const ORDERED_MAPPINGS = new WeakSet<z.ZodType>();
const ordered = <S extends z.ZodType>(schema: S): S => {
    ORDERED_MAPPINGS.add(schema);
    return schema;
};
