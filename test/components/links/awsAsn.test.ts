// The customer ASN on AWS's two resources that take one, against the ranges the provider documents
// for each field (read from @pulumi/aws's own declarations): the spec admits 4-byte private ASNs
// (4200000000-4294967294), which neither `bgpAsn` takes.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { virtualInterfaceAsn } from "../../../components/links/aws/directConnect";
import { customerGatewayAsn } from "../../../components/links/aws/vpn";

const declarations = (file: string) => fs.readFileSync(path.join(path.dirname(require.resolve("@pulumi/aws/package.json")), file), "utf8");

/** The upper bound a field's doc comment gives: "... `1` to `N`" / "between `1` and `N`". */
function upperBound(text: string, field: string): number {
    const doc = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*?)\\*/\\s*(?:readonly )?${field}\\??:`).exec(text);
    assert.ok(doc, `no doc comment for ${field}`);
    const bound = /`1`\s+(?:to|and)\s+`(\d+)`/.exec(doc[1]);
    assert.ok(bound, `${field}: no range in ${doc[1]}`);
    return Number(bound[1]);
}

describe("links: customer ASNs on AWS", () => {
    const private4 = [4200000000, 4200000002, 4294967294];

    it("a customer gateway takes a 2-byte ASN in bgpAsn and a 4-byte one above its range in bgpAsnExtended", () => {
        const max = upperBound(declarations("ec2/customerGateway.d.ts"), "bgpAsn");
        assert.strictEqual(max, 2147483647);
        for (const asn of [64512, 65534, max]) assert.deepStrictEqual(customerGatewayAsn(asn), { bgpAsn: String(asn) });
        for (const asn of [max + 1, ...private4]) assert.deepStrictEqual(customerGatewayAsn(asn), { bgpAsnExtended: String(asn) });
    });

    it("a transit virtual interface takes a 2-byte ASN in bgpAsn and a 4-byte one above its range in bgpAsnLong", () => {
        const max = upperBound(declarations("directconnect/transitVirtualInterface.d.ts"), "bgpAsn");
        assert.strictEqual(max, 2147483646);
        for (const asn of [64512, 65534, max]) assert.deepStrictEqual(virtualInterfaceAsn(asn), { bgpAsn: asn });
        for (const asn of [max + 1, ...private4]) assert.deepStrictEqual(virtualInterfaceAsn(asn), { bgpAsnLong: String(asn) });
    });
});
