// IPv4 address and CIDR arithmetic for the fleet's network plan. Pure functions, no dependencies.

export interface Cidr {
    /** First address of the block, as an unsigned 32-bit integer. */
    readonly base: number;
    readonly prefix: number;
    /** The block as written in the spec, e.g. "10.20.0.0/16". */
    readonly text: string;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses a dotted IPv4 address, or returns undefined. */
export function parseIp(text: string): number | undefined {
    const parts = text.split(".");
    if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
    return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIp(value: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** Parses "a.b.c.d/n" whose host bits are zero (a network address), or returns undefined. */
export function parseCidr(text: string): Cidr | undefined {
    const [ip, prefixText, ...rest] = text.split("/");
    if (rest.length > 0 || prefixText === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
    const base = parseIp(ip);
    const prefix = Number(prefixText);
    if (base === undefined || prefix > 32) return undefined;
    if (base % size({ prefix }) !== 0) return undefined;
    return { base, prefix, text };
}

/** Number of addresses in a block. */
export function size(cidr: { prefix: number }): number {
    return 2 ** (32 - cidr.prefix);
}

export function contains(cidr: Cidr, ip: number): boolean {
    return ip >= cidr.base && ip < cidr.base + size(cidr);
}

/** An address a host may hold in the block: inside it, and neither its network nor its broadcast address (blocks up to /30). */
export function usableHost(cidr: Cidr, ip: number): boolean {
    if (cidr.prefix >= 31) return contains(cidr, ip);
    return ip > cidr.base && ip < cidr.base + size(cidr) - 1;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
    return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** True when `inner` lies wholly inside `outer`. */
export function within(inner: Cidr, outer: Cidr): boolean {
    return inner.prefix >= outer.prefix && contains(outer, inner.base);
}

/**
 * Splits `cidr` into consecutive blocks of `/newPrefix` and returns the `index`-th one
 * (the same arithmetic as Terraform's cidrsubnet). Throws when the block does not exist.
 */
export function subnet(cidr: Cidr, newPrefix: number, index: number): Cidr {
    const count = 2 ** (newPrefix - cidr.prefix);
    if (newPrefix < cidr.prefix || newPrefix > 32 || index < 0 || index >= count) {
        throw new RangeError(`${cidr.text} has no /${newPrefix} block number ${index}`);
    }
    const base = cidr.base + index * 2 ** (32 - newPrefix);
    return { base, prefix: newPrefix, text: `${formatIp(base)}/${newPrefix}` };
}

/** Parses a CIDR that the spec has already validated. */
export function cidr(text: string): Cidr {
    const parsed = parseCidr(text);
    if (!parsed) throw new Error(`not a CIDR: ${text}`);
    return parsed;
}
