// The tunnels' TCP MSS clamp (renderMssClampRules) with Debian's real nftables and kernel: three
// network namespaces, client -> gateway -> server, where the gateway's link to the server is named
// like a tunnel (xfrm9) and has the tunnels' MTU. A client with a 1500-byte link connects; the server
// reads the MSS it got (TCP_MAXSEG): clamped to the tunnel's MTU with the rules loaded, the client's
// own without them (the control, so the test can fail). Traffic stays inside the namespaces.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { renderMssClampRules, TUNNEL_MTU } from "../../components/links/render";
import { requireTool, run, tempDir } from "./idcTools";

/** The server: accepts one connection on 10.99.2.2:9000 and prints the MSS the kernel settled on. */
const SERVER = `import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("10.99.2.2", 9000)); s.listen(1)
c, _ = s.accept(); print(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG), flush=True); c.close()`;

describe("links: TCP MSS clamped on the tunnels (nftables, in network namespaces)", function () {
    this.timeout(60_000);
    let dir: string;
    const tag = `mss${process.pid % 10000}`;
    const ns = (n: string) => `${tag}-${n}`;

    before(function () {
        if (process.getuid?.() !== 0) throw new Error("the MSS test needs root (network namespaces)");
        for (const tool of ["ip", "nft", "python3"]) requireTool(tool);
        dir = tempDir("hf-mss-");
    });
    after(() => {
        for (const n of ["client", "gw", "server"]) run("ip", ["netns", "del", ns(n)]);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    /** The MSS the server sees for one connection from the client, with or without the rules on the gateway. */
    function serverMss(clamp: boolean): number {
        const rules = path.join(dir, "mss.nft");
        fs.writeFileSync(rules, renderMssClampRules());
        fs.writeFileSync(path.join(dir, "server.py"), SERVER);
        const x = (n: string) => `ip netns exec ${ns(n)}`;
        const script = `set -euo pipefail
for n in client gw server; do ip netns del ${tag}-$n 2>/dev/null || true; ip netns add ${tag}-$n; done
ip link add c0 netns ${ns("client")} type veth peer name g0 netns ${ns("gw")}
ip link add xfrm9 netns ${ns("gw")} type veth peer name s0 netns ${ns("server")}
${x("client")} ip addr add 10.99.1.2/24 dev c0
${x("client")} ip link set c0 up
${x("client")} ip route add default via 10.99.1.1
${x("gw")} ip addr add 10.99.1.1/24 dev g0
${x("gw")} ip addr add 10.99.2.1/24 dev xfrm9
${x("gw")} ip link set g0 up
${x("gw")} ip link set xfrm9 mtu ${TUNNEL_MTU} up
${x("gw")} sysctl -qw net.ipv4.ip_forward=1
${x("server")} ip addr add 10.99.2.2/24 dev s0
${x("server")} ip link set s0 up
${x("server")} ip route add default via 10.99.2.1
${clamp ? `${x("gw")} nft -f ${rules}\n${x("gw")} nft -f ${rules}` : ""}
${x("server")} python3 ${path.join(dir, "server.py")} > ${path.join(dir, "mss")} &
# The client connects once the server listens (bounded: 50 x 0.1 s).
for i in $(seq 50); do
  ${x("server")} ss -Hltn 'sport = :9000' | grep -q . && break
  sleep 0.1
done
${x("client")} python3 -c 'import socket; c = socket.create_connection(("10.99.2.2", 9000), timeout=5); c.close()'
wait
`;
        const r = run("bash", ["-c", script], { timeoutMs: 30_000 });
        assert.strictEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
        if (clamp)
            assert.match(
                run("ip", ["netns", "exec", ns("gw"), "nft", "list", "tables"]).stdout,
                /^table inet hybrid-fleet-links$/m,
                "loaded once, twice applied",
            );
        return Number(fs.readFileSync(path.join(dir, "mss"), "utf8").trim());
    }

    it("without the rules the server gets the client's MSS (the control)", () => {
        const mss = serverMss(false);
        assert.ok(mss > TUNNEL_MTU - 40, `the control saw a clamped MSS: ${mss}`);
    });

    it("with them a handshake through a tunnel interface takes an MSS that fits the tunnel's MTU", () => {
        const mss = serverMss(true);
        assert.ok(mss > 0 && mss <= TUNNEL_MTU - 40, `MSS ${mss} through a ${TUNNEL_MTU}-byte tunnel`);
    });
});
