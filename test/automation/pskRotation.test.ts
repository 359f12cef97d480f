// Rotating a tunnel's PSK by its name (automation/pskRotation.ts) in copies of the checked-in stack
// files: the count is raised where it stands (a link's own tunnels, a CEN edge crossing's), the rest of
// the file stays byte for byte, the spec read back is valid and the plan marks the tunnel rotated.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { rotateTunnelPsk } from "../../automation/pskRotation";
import { planLinks } from "../../components/links/plan";
import { FleetSpecError } from "../../stacks/spec";
import { cenEdgeDecls, linkDecls, linkSites } from "../../stacks/links";
import { parseStackFile, readStackFile, stackFilePath } from "../../tools/stackFile";

/** A copy of a checked-in stack file in a directory of its own. */
function copyOf(stack: "prod" | "dev"): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "psk-rotation-")), `Pulumi.${stack}.yaml`);
    fs.copyFileSync(stackFilePath(stack), file);
    return file;
}

/** The lines of `after` that differ from `before` (same line count: changed lines; otherwise what was added). */
function changedLines(before: string, after: string): string[] {
    const a = before.split("\n");
    const b = after.split("\n");
    if (a.length === b.length) return b.filter((l, i) => l !== a[i]);
    const kept = new Set(a);
    return b.filter((l) => !kept.has(l));
}

/** Each tunnel's rotation count as the plan of the file's spec has it. */
function rotatedIn(file: string): Record<string, number> {
    const parsed = parseStackFile(readStackFile(file));
    assert.ok(parsed.ok, parsed.ok ? "" : parsed.violations.join("\n"));
    const plan = planLinks(linkSites(parsed.spec), linkDecls(parsed.spec), cenEdgeDecls(parsed.spec));
    const tunnels = [...plan.links.flatMap((l) => l.tunnels), ...plan.cenEdges.flatMap((e) => e.crossings.flatMap((c) => c.tunnels))];
    return Object.fromEntries(tunnels.filter((t) => t.pskRotation).map((t) => [t.name, t.pskRotation!]));
}

describe("rotating a tunnel's PSK by name", () => {
    const made: string[] = [];
    afterEach(() => {
        for (const f of made.splice(0)) fs.rmSync(path.dirname(f), { recursive: true, force: true });
    });

    it("adds a CEN edge crossing's counts inside its flow mapping, then raises them where they stand", () => {
        const file = copyOf("prod");
        made.push(file);
        const before = fs.readFileSync(file, "utf8");
        assert.deepStrictEqual(rotateTunnelPsk(file, "eks-apne1-ack-sh-ap-northeast-1-c1t2"), {
            tunnel: "eks-apne1-ack-sh-ap-northeast-1-c1t2",
            path: ["cenEdges", 0, "pskRotations", "eks-apne1", 1],
            from: 0,
            to: 1,
            file,
        });
        const once = fs.readFileSync(file, "utf8");
        assert.deepStrictEqual(changedLines(before, once), [
            "      - { anchor: ack-sh, region: ap-northeast-1, vpcCidr: 10.31.0.0/24, zones: [ap-northeast-1a, ap-northeast-1b], pskRotations: { eks-apne1: [0, 1, 0, 0] } }",
        ]);
        assert.strictEqual(rotateTunnelPsk(file, "eks-apne1-ack-sh-ap-northeast-1-c1t2").to, 2);
        rotateTunnelPsk(file, "eks-apne1-ack-sh-ap-northeast-1-c2t2");
        assert.match(changedLines(before, fs.readFileSync(file, "utf8"))[0], /pskRotations: \{ eks-apne1: \[0, 2, 0, 1\] \} \}$/);
        assert.deepStrictEqual(rotatedIn(file), { "eks-apne1-ack-sh-ap-northeast-1-c1t2": 2, "eks-apne1-ack-sh-ap-northeast-1-c2t2": 1 });
    });

    it("adds a link's counts as a line of its block mapping, at its keys' indentation", () => {
        const file = copyOf("dev");
        made.push(file);
        const before = fs.readFileSync(file, "utf8");
        const r = rotateTunnelPsk(file, "ack-dev-idc-dev-c1t1");
        assert.deepStrictEqual([r.path, r.from, r.to], [["links", 1, "pskRotations", 0], 0, 1]);
        const after = fs.readFileSync(file, "utf8");
        assert.deepStrictEqual(changedLines(before, after), ["        pskRotations: [1, 0]"]);
        // Right after the link's last entry, before the next key of the fleet.
        assert.match(after, /^ {8}xfrmIfIds: \[3, 4\]\n {8}pskRotations: \[1, 0\]\n {4}cenEdges:$/m);
        assert.deepStrictEqual(rotatedIn(file), { "ack-dev-idc-dev-c1t1": 1 });
    });

    it("refuses a count past the spec's maximum with the spec's own violation, and leaves the file as it was", () => {
        const file = copyOf("dev");
        made.push(file);
        fs.writeFileSync(
            file,
            fs.readFileSync(file, "utf8").replace("        xfrmIfIds: [3, 4]\n", "        xfrmIfIds: [3, 4]\n        pskRotations: [1000000, 0]\n"),
        );
        const before = fs.readFileSync(file, "utf8");
        assert.throws(
            () => rotateTunnelPsk(file, "ack-dev-idc-dev-c1t1"),
            (e: unknown) => e instanceof FleetSpecError && e.violations.some((v) => v.startsWith("links[1].pskRotations[0]: ")),
        );
        assert.strictEqual(fs.readFileSync(file, "utf8"), before);
    });

    it("judges the spec as the stack it is for: a stack whose name SLS refuses in a project name is refused, the file as it was", () => {
        const file = copyOf("dev");
        made.push(file);
        const before = fs.readFileSync(file, "utf8");
        assert.strictEqual(rotateTunnelPsk(file, "ack-dev-idc-dev-c1t1", { stack: "dev" }).to, 1);
        const once = fs.readFileSync(file, "utf8");
        assert.notStrictEqual(once, before);
        assert.throws(
            () => rotateTunnelPsk(file, "ack-dev-idc-dev-c1t1", { stack: "Dev" }),
            (e: unknown) => e instanceof FleetSpecError && e.violations.some((v) => /^clusters\[\d+\]\.name: in stack "Dev" names the SLS project/.test(v)),
        );
        assert.strictEqual(fs.readFileSync(file, "utf8"), once);
    });

    it("refuses a name that is no tunnel of the fleet, listing the tunnels, and leaves the file as it was", () => {
        const file = copyOf("dev");
        made.push(file);
        const before = fs.readFileSync(file, "utf8");
        assert.throws(
            () => rotateTunnelPsk(file, "ack-dev-idc-dev-c9t9"),
            /^Error: no tunnel "ack-dev-idc-dev-c9t9" in this fleet; its tunnels: ack-dev-idc-dev-c1t1, ack-dev-idc-dev-c1t2, eks-dev-ack-dev-ap-northeast-1-c1t1/,
        );
        assert.strictEqual(fs.readFileSync(file, "utf8"), before);
    });
});
