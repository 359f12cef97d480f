// The IDC gateway component alone on the mock engine: what it declares for one gateway host with
// two tunnels (one with its cloud end's address still an output), where the files go, that the
// PSKs never appear in plain text, and that a file change re-runs the setup.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { IdcGateway } from "../../../components/links/idcGateway";
import { LINKS_PACKAGES, LINKS_PATHS, LINKS_STAGED } from "../../../components/links/render";
import { finalPathOf, STAGE_ROOT } from "../../../components/idc/renderers/node";
import type { IdcGatewayHostPlan, TunnelParams } from "../../../components/links/types";
import { Inventory, plainTextOccurrences, RegisteredResource, runProgram, SecretValue } from "../../harness";

const PSKS = ["Aw5.tunnel_one_psk", "Bx7.tunnel_two_psk"];
const crypto = { ike: "aes256gcm16-prfsha384-ecp384", esp: "aes256gcm16-ecp384", ikeLifetimeSeconds: 28800, espLifetimeSeconds: 3600, dpdDelaySeconds: 10 };

function plan(over: Partial<IdcGatewayHostPlan> = {}): IdcGatewayHostPlan {
    const tunnel = (i: number, remote: pulumi.Input<string>): TunnelParams => ({
        name: `idc-eks-t${i}`,
        ifId: i,
        localOutside: "198.18.0.11",
        remoteOutside: remote,
        insideCidr: `169.254.${10 + i}.0/30`,
        localInside: `169.254.${10 + i}.2`,
        remoteInside: `169.254.${10 + i}.1`,
        psk: pulumi.secret(PSKS[i - 1]),
        localAsn: 65001,
        remoteAsn: 64512,
        crypto,
    });
    return {
        host: { name: "gw-a", address: "10.10.0.11", publicAddress: "198.18.0.11" },
        localAsn: 65001,
        // The second cloud address arrives as an output (the cloud gateway's, once it exists).
        tunnels: [tunnel(1, "198.18.1.1"), tunnel(2, pulumi.output("198.18.1.2"))],
        fabricPeers: [{ name: "tor-a", peerIp: "10.10.0.1", asn: 65010 }],
        announce: ["10.10.0.0/24", "10.96.0.0/20"],
        uplink: "eth1",
        ...over,
    };
}

const login = {
    user: "deploy",
    port: 22,
    privateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----\nmock\n-----END OPENSSH PRIVATE KEY-----"),
    hostKeys: {} as Record<string, string>,
};
const unwrap = (v: unknown) => (v instanceof SecretValue ? v.value : v);
const textOf = (r: RegisteredResource) => (unwrap(r.inputs.source) as { text: string }).text;

describe("hybrid:links:IdcGateway on the mock engine", () => {
    let inventory: Inventory;
    before(async () => {
        inventory = await runProgram(() => new IdcGateway("links-gw-a", { plan: plan(), login }));
    });

    it("is one component whose children are named after it and parented to it", () => {
        const [component] = inventory.ofType("hybrid:links:IdcGateway");
        assert.ok(component, "no hybrid:links:IdcGateway");
        const children = inventory.childrenOf(component.urn);
        assert.deepStrictEqual(children.map((c) => c.name).sort(), [
            "links-gw-a-gw-a-dirs",
            "links-gw-a-gw-a-frr-conf",
            "links-gw-a-gw-a-frr-conf-install",
            "links-gw-a-gw-a-setup",
            "links-gw-a-gw-a-swanctl-conf",
            "links-gw-a-gw-a-swanctl-conf-install",
            "links-gw-a-gw-a-sysctl",
            "links-gw-a-gw-a-sysctl-install",
            "links-gw-a-gw-a-xfrm-script",
            "links-gw-a-gw-a-xfrm-script-install",
            "links-gw-a-gw-a-xfrm-unit",
            "links-gw-a-gw-a-xfrm-unit-install",
        ]);
    });

    it("copies swanctl.conf and frr.conf to their paths on the gateway host", () => {
        const copies = inventory.ofType("command:remote:CopyToRemote");
        const at = (p: string) => copies.filter((c) => finalPathOf(String(c.inputs.remotePath)) === p);
        for (const p of [LINKS_PATHS.swanctlConf, LINKS_PATHS.frrConf, LINKS_STAGED.xfrmScript, LINKS_STAGED.xfrmUnit, LINKS_STAGED.sysctl])
            assert.strictEqual(at(p).length, 1, p);
        for (const c of copies) assert.strictEqual((unwrap(c.inputs.connection) as { host: string }).host, "10.10.0.11");
        const frr = textOf(at(LINKS_PATHS.frrConf)[0]);
        assert.match(frr, /^router bgp 65001$/m);
        for (const n of ["169.254.11.1", "169.254.12.1"]) assert.match(frr, new RegExp(`^ neighbor ${n.replace(/\./g, "\\.")} remote-as 64512$`, "m"));
        assert.match(frr, /^ neighbor 10\.10\.0\.1 remote-as 65010$/m);
        const swanctl = textOf(at(LINKS_PATHS.swanctlConf)[0]);
        // The output address is resolved into the file.
        assert.match(swanctl, /remote_addrs = 198\.18\.1\.2$/m);
        assert.match(textOf(at(LINKS_STAGED.xfrmScript)[0]), /ip link add xfrm2 type xfrm dev eth1 if_id 2$/m);
    });

    it("keeps every PSK secret: swanctl.conf is a secret asset, no PSK in plain text anywhere", () => {
        const swanctl = inventory.ofType("command:remote:CopyToRemote").find((c) => finalPathOf(String(c.inputs.remotePath)) === LINKS_PATHS.swanctlConf)!;
        assert.ok(swanctl.inputs.source instanceof SecretValue, "swanctl.conf is not a secret");
        for (const psk of PSKS) {
            assert.ok(textOf(swanctl).includes(`secret = "${psk}"`), "the PSK is in the secret file");
            assert.deepStrictEqual(plainTextOccurrences(inventory, psk), []);
        }
        const frr = inventory.ofType("command:remote:CopyToRemote").find((c) => finalPathOf(String(c.inputs.remotePath)) === LINKS_PATHS.frrConf)!;
        assert.ok(!(frr.inputs.source instanceof SecretValue), "frr.conf has no secret: it stays reviewable in the plan");
    });

    it("installs the pinned packages after the files, and re-runs when a file changes", () => {
        const setup = inventory.named("command:remote:Command", "links-gw-a-gw-a-setup");
        const script = String(unwrap(setup.inputs.stdin));
        for (const [n, v] of Object.entries(LINKS_PACKAGES)) assert.ok(script.includes(`${n}=${v}`), `${n} not pinned`);
        assert.ok(script.includes("apt_retry()"), "apt without the lock retry");
        // FRR reads frr.conf as group frr once its package made the group; nothing stays the SSH user's.
        assert.match(script, /^chown root:frr \/etc\/frr \/etc\/frr\/frr\.conf$/m);
        assert.doesNotMatch(script, /chown deploy/);
        // Every file is copied into the SSH user's staging directory, then installed root-owned: setup waits for the installs.
        const installs = inventory.ofType("command:remote:Command").filter((c) => c.name.endsWith("-install"));
        assert.strictEqual(installs.length, inventory.ofType("command:remote:CopyToRemote").length);
        for (const c of installs) assert.ok(setup.dependencies.includes(c.urn), `setup does not wait for ${c.urn}`);
        for (const c of inventory.ofType("command:remote:CopyToRemote"))
            assert.ok(String(c.inputs.remotePath).startsWith(`${STAGE_ROOT}/deploy/`), String(c.inputs.remotePath));
        const swanctlInstall = String(unwrap(inventory.named("command:remote:Command", "links-gw-a-gw-a-swanctl-conf-install").inputs.stdin));
        assert.match(swanctlInstall, /install -D -o root -g root -m 0600 \S+ \/etc\/swanctl\/swanctl\.conf$/m);
        const triggers = setup.inputs.triggers as unknown[];
        assert.strictEqual(triggers.length, 5);
        assert.ok(triggers[0] instanceof SecretValue, "swanctl.conf trigger must stay secret");
    });

    it("re-runs the setup when one tunnel changes (the trigger follows the content)", async () => {
        const changed = await runProgram(() => new IdcGateway("links-gw-a", { plan: plan({ announce: ["10.10.0.0/24"] }), login }));
        const before = inventory.named("command:remote:Command", "links-gw-a-gw-a-setup").inputs.triggers as unknown[];
        const after = changed.named("command:remote:Command", "links-gw-a-gw-a-setup").inputs.triggers as unknown[];
        assert.notDeepStrictEqual(unwrap(after[1]), unwrap(before[1]), "frr.conf trigger unchanged");
    });

    it("declares every resource while a cloud end's address is still unknown (as in a preview)", async () => {
        const unknownAddress = pulumi.output(pulumi.unknown as unknown as string);
        const p = plan();
        p.tunnels[1].remoteOutside = unknownAddress;
        const preview = await runProgram(() => new IdcGateway("links-gw-a", { plan: p, login }));
        const names = (inv: Inventory) => inv.resources.map((r) => `${r.type}::${r.name}`).sort();
        assert.deepStrictEqual(names(preview), names(inventory));
        const swanctl = preview.ofType("command:remote:CopyToRemote").find((c) => finalPathOf(String(c.inputs.remotePath)) === LINKS_PATHS.swanctlConf)!;
        assert.strictEqual(unwrap(swanctl.inputs.source), "[unknown]", "swanctl.conf waits for the address");
        // frr.conf needs no outside address: it is in the preview already.
        const frr = preview.ofType("command:remote:CopyToRemote").find((c) => finalPathOf(String(c.inputs.remotePath)) === LINKS_PATHS.frrConf)!;
        assert.match(textOf(frr), /^router bgp 65001$/m);
    });

    it("declares nothing from an invalid plan value (a hostile name throws before any resource)", async () => {
        const bad = plan();
        (bad.tunnels[0] as { name: string }).name = "t1\n}\nsecrets {";
        let error: unknown;
        const inv = await runProgram(() => {
            try {
                new IdcGateway("links-gw-bad", { plan: bad, login });
            } catch (e) {
                error = e;
            }
        });
        assert.match(String(error), /tunnels\[0\]\.name: .* is not a name/);
        assert.deepStrictEqual(inv.resources, []);
    });
});
