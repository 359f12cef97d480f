// The VRRP filter with Debian's real nftables: `nft -c` accepts the rendered rule set for both
// stacks, and in a throwaway network namespace (unshare -n, loopback as keepalived's interface) it
// drops VRRP (IP protocol 112) from a source that is not a control-plane host and accepts it from
// one that is, counted by the rule set's own counters; loading it twice replaces it (idempotent).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { renderVrrpFilter } from "../../components/idc/renderers/loadBalancer";
import { loadIdcSpec } from "../harness";
import { requireTool, run, tempDir } from "./idcTools";

/** Sends one VRRP-protocol datagram from `source` to 127.0.0.1 (raw socket, as keepalived's adverts are IP protocol 112). */
const send = (source: string) =>
    `python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112); s.bind(("${source}", 0)); s.sendto(bytes(20), ("127.0.0.1", 0))'`;

describe("IDC VRRP filter against nftables (nft -c, and live in a network namespace)", function () {
    this.timeout(60_000);
    let dir: string;
    before(function () {
        requireTool("nft");
        dir = tempDir("hf-vrrp-");
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    for (const stack of ["prod", "dev"] as const) {
        it(`${stack}: nft -c accepts the rendered rule set`, () => {
            const idc = loadIdcSpec(stack);
            const file = path.join(dir, `${stack}.nft`);
            fs.writeFileSync(file, renderVrrpFilter({ interface: idc.controlPlane.keepalived.interface, peers: idc.controlPlane.hosts.map((h) => h.address) }));
            const r = run("nft", ["-c", "-f", file]);
            assert.strictEqual(r.status, 0, r.stderr);
        });
    }

    it("nft -c refuses a broken rule set (the check can fail)", () => {
        const file = path.join(dir, "broken.nft");
        fs.writeFileSync(file, renderVrrpFilter({ interface: "lo", peers: ["127.0.0.2"] }).replace("ip protocol vrrp", "ip protocol vrrrp"));
        assert.notStrictEqual(run("nft", ["-c", "-f", file]).status, 0);
    });

    it("drops VRRP from a host that is not a control-plane host, accepts it from one that is", function () {
        if (process.getuid?.() !== 0) this.skip();
        requireTool("unshare");
        requireTool("python3");
        const file = path.join(dir, "lo.nft");
        // 127.0.0.2 is "a control-plane host", 127.0.0.3 is not.
        fs.writeFileSync(file, renderVrrpFilter({ interface: "lo", peers: ["127.0.0.2", "10.0.0.1"] }));
        const script = `set -euo pipefail
ip link set lo up
nft -f ${file}
nft -f ${file}
${send("127.0.0.2")}
${send("127.0.0.2")}
${send("127.0.0.3")}
nft list chain inet hybrid_fleet_vrrp input
nft list tables
`;
        const r = run("unshare", ["-n", "bash", "-s"], { input: script });
        assert.strictEqual(r.status, 0, r.stderr);
        const counters = [...r.stdout.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
        // The IPv4 drop rule saw the one advert from 127.0.0.3; the accepted two never reached it.
        assert.deepStrictEqual(counters, [1, 0], r.stdout);
        assert.strictEqual(r.stdout.match(/table inet hybrid_fleet_vrrp/g)?.length, 2, "loading twice leaves one table");
    });
});
