// The IDC site on the mock engine, over the prod fleet (3 etcd members, 3 control-plane hosts,
// 6 workers, Calico) and the dev fleet (1 etcd member, 1 control-plane host, Cilium): which file
// each host gets (once), the order of the actions, secrets, `protect`, and the cluster's provider.
import * as assert from "assert";
import { LINKS_PATHS, LINKS_STAGED } from "../../components/links/render";
import * as YAML from "yaml";
import { ETCD_PATHS, ETCD_PKI, ETCD_UNITS, KUBEADM_PATHS, LB_PATHS, NODE_PATHS, vrrpPriority } from "../../components/idc/render";
import { finalPathOf } from "../../components/idc/renderers/node";
import type { FleetSpec, IdcClusterSpec } from "../../stacks/spec";
import { k8sProviderName } from "../../stacks/types";
import { offlineConfig, parseStackFile, readStackFile, stackFilePath } from "../../tools/stackFile";
import { Inventory, loadStackSpec, plainTextOccurrences, RegisteredResource, runFleet, SecretValue } from "../harness";
import type { Fleet } from "../../stacks/fleet";

const T = {
    copy: "command:remote:CopyToRemote",
    command: "command:remote:Command",
    k8sProvider: "pulumi:providers:kubernetes",
};

/** Every string inside a secret somewhere in the inputs: the positive control for plainTextOccurrences. */
function secretOccurrences(inventory: Inventory, needle: string): string[] {
    const hits: string[] = [];
    const walk = (value: unknown, where: string, inSecret: boolean): void => {
        if (value instanceof SecretValue) return walk(value.value, where, true);
        if (typeof value === "string") {
            if (inSecret && value.includes(needle)) hits.push(where);
        } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`, inSecret));
        else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`, inSecret);
    };
    for (const r of inventory.resources) walk(r.inputs, `${r.type}::${r.name}`, false);
    return hits;
}

/** The SSH connection: the whole object is a secret on the wire because it holds the private key. */
const connectionOf = (r: RegisteredResource) => {
    const c = r.inputs.connection;
    return (c instanceof SecretValue ? c.value : c) as { host: string; port: number; user: string; privateKey: unknown };
};

const textOf = (source: unknown): string => {
    const asset = source instanceof SecretValue ? source.value : source;
    const text = (asset as { text?: unknown })?.text;
    if (typeof text !== "string") throw new Error(`not a StringAsset: ${JSON.stringify(asset)}`);
    return text;
};

for (const stack of ["prod", "dev"] as const) {
    describe(`IDC site on the mock engine (${stack} fleet)`, () => {
        let spec: FleetSpec;
        let idc: IdcClusterSpec;
        let inventory: Inventory;
        let fleet: Fleet;
        let site: RegisteredResource;
        /** Resources of this IDC cluster (under its site). */
        let mine: RegisteredResource[];

        before(async () => {
            spec = loadStackSpec(stack);
            idc = spec.clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
            ({ inventory, fleet } = await runFleet(spec));
            site = inventory.named("hybrid:idc:Site", idc.name);
            mine = inventory.resources.filter((r) => inventory.ancestors(r).some((a) => a.urn === site.urn));
        });

        const ofType = (type: string) => mine.filter((r) => r.type === type);
        const named = (type: string, name: string) => {
            const found = mine.find((r) => r.type === type && r.name === name);
            if (!found)
                throw new Error(
                    `no ${type} ${name}; have ${ofType(type)
                        .map((r) => r.name)
                        .join(", ")}`,
                );
            return found;
        };
        const cmd = (component: string, host: string, what: string) => named(T.command, `${idc.name}-${component}-${host}-${what}`);
        const dependsOn = (r: RegisteredResource, on: RegisteredResource) => r.dependencies.includes(on.urn);
        const copiesTo = (address: string) => ofType(T.copy).filter((c) => connectionOf(c).host === address);
        /** Where a copy ends up: copies land in the SSH user's staging directory and are installed from there. */
        const pathOf = (c: RegisteredResource) => finalPathOf(String(c.inputs.remotePath));
        /** The step that installs a copy root-owned: what the file's readers wait for. */
        const installOf = (c: RegisteredResource) => ofType(T.command).find((x) => x.name === `${c.name}-install` && x.parent === c.parent)!;

        it("declares the IDC components under the site", () => {
            const components = mine
                .filter((r) => r.type.startsWith("hybrid:idc:"))
                .map((r) => `${r.type} ${r.name}`)
                .sort();
            assert.deepStrictEqual(components, [
                `hybrid:idc:ClusterPki ${idc.name}-pki`,
                `hybrid:idc:ContainerdRollout ${idc.name}-containerd`,
                `hybrid:idc:EtcdCluster ${idc.name}-etcd`,
                `hybrid:idc:HaControlPlane ${idc.name}-control-plane`,
                `hybrid:idc:KubernetesUpgrade ${idc.name}-upgrade`,
                `hybrid:idc:Workers ${idc.name}-workers`,
            ]);
        });

        it("copies each file once per host, exactly the files the host's role needs, as StringAssets", () => {
            const mount = idc.etcd.dataDir;
            const etc = (f: string) => `${ETCD_PATHS.configDir}/${f}`;
            const pki = (f: string) => `${ETCD_PATHS.pkiDir}/${f}`;
            const etcdFiles = [
                etc("etcd.conf.yml"),
                etc(ETCD_UNITS.member),
                etc("etcdctl.env"),
                pki(ETCD_PKI.ca),
                pki(ETCD_PKI.serverCert),
                pki(ETCD_PKI.serverKey),
                pki(ETCD_PKI.peerCert),
                pki(ETCD_PKI.peerKey),
                pki(ETCD_PKI.etcdctlCert),
                pki(ETCD_PKI.etcdctlKey),
                etc("etcd-backup.sh"),
                etc("backup.env"),
                etc("backup-credentials.env"),
                etc(ETCD_UNITS.backupService),
                etc(ETCD_UNITS.backupTimer),
                etc("etcd-defrag.sh"),
                etc(ETCD_UNITS.defragService),
                etc(ETCD_UNITS.defragTimer),
                etc("etcd-restore.sh"),
            ];
            const node = [NODE_PATHS.sysctl, NODE_PATHS.modules, NODE_PATHS.aptSource, NODE_PATHS.containerd];
            const controlPlane = [
                ...node,
                LB_PATHS.haproxyCfg,
                LB_PATHS.keepalivedConf,
                LB_PATHS.vrrpAuth,
                LB_PATHS.checkScript,
                LB_PATHS.vrrpFilter,
                LB_PATHS.vrrpFilterUnit,
                KUBEADM_PATHS.encryptionConfig,
                KUBEADM_PATHS.auditPolicy,
                KUBEADM_PATHS.authenticationConfig,
                KUBEADM_PATHS.etcdCa,
                KUBEADM_PATHS.etcdClientCert,
                KUBEADM_PATHS.etcdClientKey,
                KUBEADM_PATHS.kubeletServingCa,
                KUBEADM_PATHS.kubeletServingCaKey,
                KUBEADM_PATHS.kubeletCaBundle,
                KUBEADM_PATHS.clusterConfig,
            ];
            const expected = new Map<string, string[]>([
                ...idc.etcd.hosts.map((h) => [h.address, etcdFiles] as [string, string[]]),
                ...idc.controlPlane.hosts.map(
                    (h, i) =>
                        [
                            h.address,
                            [...controlPlane, ...(i === 0 ? [KUBEADM_PATHS.initConfig, KUBEADM_PATHS.ca, KUBEADM_PATHS.caKey] : [KUBEADM_PATHS.joinConfig])],
                        ] as [string, string[]],
                ),
                ...idc.workers.map((w) => [w.address, [...node, KUBEADM_PATHS.joinConfig]] as [string, string[]]),
                // The link gateways (links layer): strongSwan, FRR, and what setup installs as root.
                ...(idc.gateway?.hosts ?? []).map(
                    (g) => [g.address, [LINKS_PATHS.swanctlConf, LINKS_PATHS.frrConf, ...Object.values(LINKS_STAGED)]] as [string, string[]],
                ),
            ]);
            assert.ok(!etcdFiles.some((f) => f.startsWith(mount + "/")), "no file goes onto the etcd data disk");
            const all = ofType(T.copy);
            assert.strictEqual(
                all.length,
                [...expected.values()].reduce((n, f) => n + f.length, 0),
            );
            for (const [address, files] of expected) {
                const paths = copiesTo(address).map((c) => pathOf(c));
                assert.strictEqual(new Set(paths).size, paths.length, `${address} gets a file twice: ${paths.join(", ")}`);
                assert.deepStrictEqual([...paths].sort(), [...files].sort(), address);
            }
            for (const c of all) assert.ok(textOf(c.inputs.source).length > 0, `${c.name} copies an empty file`);
        });

        it("reaches every host over SSH as the spec's user and port, with the private key a secret", () => {
            const remote = [...ofType(T.copy), ...ofType(T.command)];
            assert.ok(remote.length > 0);
            for (const r of remote) {
                const c = connectionOf(r);
                assert.strictEqual(c.user, idc.ssh.user, r.name);
                assert.strictEqual(c.port, idc.ssh.port, r.name);
                assert.ok(r.inputs.connection instanceof SecretValue || c.privateKey instanceof SecretValue, `${r.name}: SSH key not a secret`);
            }
        });

        it("runs every action through sudo with the script on stdin (nothing in argv)", () => {
            // But the removal commands: they run nothing until deleted, and then a script with no secret in it.
            for (const c of ofType(T.command).filter((x) => x.inputs.delete === undefined)) {
                assert.strictEqual(c.inputs.create, "sudo -n bash -s", c.name);
                const script = c.inputs.stdin instanceof SecretValue ? c.inputs.stdin.value : c.inputs.stdin;
                assert.ok(typeof script === "string" && /^set -(euo pipefail|a;)/.test(script), `${c.name}: ${String(script).slice(0, 40)}`);
            }
        });

        it("a worker leaving the spec is drained and deleted from the cluster on the first control-plane host, then reset on itself; nothing else runs on deletion", () => {
            const first = idc.controlPlane.hosts[0].name;
            const removals = ofType(T.command).filter((c) => c.inputs.delete !== undefined);
            assert.deepStrictEqual(
                removals.map((c) => c.name).sort(),
                idc.workers.flatMap((w) => [`${idc.name}-workers-${w.name}-node-reset`, `${idc.name}-control-plane-node-${w.name}-evict`]).sort(),
            );
            for (const w of idc.workers) {
                const reset = named(T.command, `${idc.name}-workers-${w.name}-node-reset`);
                // Not named by the first host (listing another one first would delete it, and so run it),
                // aliased to the name it had when it was.
                const evict = named(T.command, `${idc.name}-control-plane-node-${w.name}-evict`);
                assert.deepStrictEqual(evict.aliases, [evict.urn.replace(/::[^:]*$/, `::${idc.name}-control-plane-${first}-node-${w.name}-evict`)]);
                // Pulumi deletes a resource before what it depends on: the drain first, then the reset.
                assert.ok(evict.dependencies.includes(reset.urn), `${w.name}: the reset could run before the drain`);
                assert.ok(reset.dependencies.includes(cmd("workers", w.name, "kubeadm-join").urn));
                assert.match(String(evict.inputs.delete), new RegExp(`kubectl drain ${w.name} `));
                assert.strictEqual((evict.inputs.connection as any).value?.host ?? (evict.inputs.connection as any).host, idc.controlPlane.hosts[0].address);
                for (const c of [reset, evict]) assert.deepStrictEqual([c.inputs.create, c.inputs.triggers], ["true", undefined], c.name);
            }
        });

        it("waits for every etcd member before kubeadm init; init before the token, joins one at a time, workers after the token", () => {
            const healthy = cmd("etcd", idc.etcd.hosts[0].name, "healthy");
            for (const h of idc.etcd.hosts) {
                const start = cmd("etcd", h.name, "start");
                assert.ok(dependsOn(healthy, start), `health gate does not wait for ${h.name}`);
                assert.ok(dependsOn(start, cmd("etcd", h.name, "data-disk")), `${h.name} starts before its disk is mounted`);
                for (const f of copiesTo(h.address).filter((c) => /etcd\.conf\.yml|\.key$|\.crt$|etcd-member\.service/.test(pathOf(c)))) {
                    assert.ok(dependsOn(start, installOf(f)), `${h.name} starts before ${pathOf(f)} is installed`);
                }
            }
            const [first, ...others] = idc.controlPlane.hosts;
            const init = cmd("control-plane", first.name, "kubeadm-init");
            assert.ok(dependsOn(init, healthy), "kubeadm init does not wait for etcd health");
            assert.ok(dependsOn(init, cmd("control-plane", first.name, "load-balancer")), "kubeadm init before the VIP is served");
            // The control-plane certificates are uploaded after init; no token is made there.
            const upload = cmd("control-plane", first.name, "join-token");
            assert.ok(dependsOn(upload, init));
            assert.doesNotMatch(String(upload.inputs.stdin), /token create|bootstrap-token/);
            // Every join: a token minted for it on the first host just before, deleted there just after.
            const joinOf = (h: { name: string }, component: string) => {
                const mint = cmd("control-plane", first.name, `join-token-${h.name}`);
                const join = cmd(component, h.name, "kubeadm-join");
                const del = cmd("control-plane", first.name, `join-token-${h.name}-delete`);
                assert.ok(dependsOn(mint, init), `${h.name}: token minted before init`);
                assert.ok(dependsOn(join, mint), `${h.name} joins before its token exists`);
                assert.ok(dependsOn(del, join), `${h.name}: token deleted before the join`);
                assert.match(String(mint.inputs.stdin), new RegExp(`^kubeadm token create --ttl 15m0s .*--description hybrid-fleet-join-${h.name}$`, "m"));
                assert.strictEqual(mint.inputs.logging, "none", "the mint's output (the token) is never logged");
                const token = String(mint.state.stdout).trim();
                assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
                assert.ok(join.inputs.stdin instanceof SecretValue, `${h.name}: the join script holds the token: a secret`);
                assert.ok(String(join.inputs.stdin.value).includes(`  token=${token}\n`), `${h.name} joins with another token`);
                assert.ok(del.inputs.stdin instanceof SecretValue);
                assert.ok(String(del.inputs.stdin.value).includes(`kubeadm token delete ${token.split(".")[0]} `));
                assert.ok(!String(del.inputs.stdin.value).includes(token), "only the token ID reaches the delete");
                return { mint, join, del };
            };
            let previous = upload;
            for (const h of others) {
                const { mint, join, del } = joinOf(h, "control-plane");
                assert.ok(dependsOn(mint, previous), `${h.name} joins before ${previous.name}`);
                previous = del;
                assert.ok(join);
            }
            const tokens = new Set(
                [...others.map((h) => joinOf(h, "control-plane")), ...idc.workers.map((w) => joinOf(w, "workers"))].map((j) => String(j.mint.state.stdout)),
            );
            assert.strictEqual(tokens.size, others.length + idc.workers.length, "one token per join");
            // After every join, a sweep deletes any token this program made that is still there.
            const cleanup = cmd("control-plane", first.name, "join-token-cleanup");
            for (const h of others) assert.ok(dependsOn(cleanup, cmd("control-plane", h.name, "kubeadm-join")), `sweep before ${h.name} joins`);
            for (const w of idc.workers) assert.ok(dependsOn(cleanup, cmd("workers", w.name, "kubeadm-join")), `sweep before ${w.name} joins`);
            assert.match(String(cleanup.inputs.stdin), /kubeadm token delete "\$id"/);
            assert.deepStrictEqual(
                cleanup.inputs.triggers.slice(0, others.length + idc.workers.length),
                [...others, ...idc.workers].map((h) => h.name),
            );
        });

        it("re-runs each action when the content it applies changes (triggers carry the file contents)", () => {
            const triggerTexts = (r: RegisteredResource) => (r.inputs.triggers as unknown[]).map((t) => (t instanceof SecretValue ? t.value : t));
            const copyText = (address: string, remotePath: string) => textOf(copiesTo(address).find((c) => pathOf(c) === remotePath)!.inputs.source);
            for (const h of idc.etcd.hosts) {
                const triggers = triggerTexts(cmd("etcd", h.name, "start"));
                // All of etcd.conf.yml but the members, which etcd reads only at bootstrap: adding a member restarts no other.
                const config = copyText(h.address, `${ETCD_PATHS.configDir}/etcd.conf.yml`);
                assert.match(config, /^initial-cluster: /m);
                assert.ok(triggers.includes(config.replace(/^initial-cluster: .*\n/m, "")), `${h.name}: etcd.conf.yml not a trigger`);
                assert.ok(!triggers.some((t) => typeof t === "string" && /^initial-cluster: /m.test(t)), `${h.name}: the members are a trigger`);
                assert.ok(triggers.includes(copyText(h.address, `${ETCD_PATHS.configDir}/${ETCD_UNITS.member}`)));
                const timers = triggerTexts(cmd("etcd", h.name, "timers"));
                for (const f of ["etcd-backup.sh", "backup.env", "backup-credentials.env", ETCD_UNITS.backupTimer, ETCD_UNITS.defragTimer]) {
                    assert.ok(timers.includes(copyText(h.address, `${ETCD_PATHS.configDir}/${f}`)), `${h.name}: ${f} not a trigger of the timers`);
                }
            }
            for (const h of idc.controlPlane.hosts) {
                const lb = triggerTexts(cmd("control-plane", h.name, "load-balancer"));
                for (const f of [LB_PATHS.haproxyCfg, LB_PATHS.keepalivedConf, LB_PATHS.vrrpAuth, LB_PATHS.checkScript]) {
                    assert.ok(lb.includes(copyText(h.address, f)), `${h.name}: ${f} not a trigger of the load balancer`);
                }
            }
            const first = idc.controlPlane.hosts[0];
            const init = triggerTexts(cmd("control-plane", first.name, "kubeadm-init"));
            for (const f of [KUBEADM_PATHS.initConfig, KUBEADM_PATHS.clusterConfig, KUBEADM_PATHS.encryptionConfig, KUBEADM_PATHS.auditPolicy]) {
                assert.ok(init.includes(copyText(first.address, f)), `kubeadm init does not re-run on ${f}`);
            }
            for (const w of idc.workers) {
                assert.ok(triggerTexts(cmd("workers", w.name, "kubeadm-join")).includes(copyText(w.address, KUBEADM_PATHS.joinConfig)));
            }
            // A cluster or kubelet configuration change re-runs every control-plane host, and the kubelet configuration every worker.
            const clusterText = copyText(first.address, KUBEADM_PATHS.clusterConfig);
            const kubeletDoc = YAML.parseAllDocuments(clusterText)
                .map((d) => d.toJS())
                .find((d) => d.kind === "KubeletConfiguration");
            const carriesKubelet = (texts: unknown[]) =>
                texts.some(
                    (t) =>
                        typeof t === "string" &&
                        /^kind: KubeletConfiguration$/m.test(t) &&
                        !/ClusterConfiguration/.test(t) &&
                        YAML.parse(t).evictionHard !== undefined &&
                        JSON.stringify(YAML.parse(t)) === JSON.stringify(kubeletDoc),
                );
            assert.ok(carriesKubelet(init), "kubeadm init does not re-run on a kubelet change");
            for (const h of idc.controlPlane.hosts.slice(1)) {
                const join = triggerTexts(cmd("control-plane", h.name, "kubeadm-join"));
                assert.ok(join.includes(clusterText), `${h.name}: the cluster configuration is not a join trigger`);
                assert.strictEqual(copyText(h.address, KUBEADM_PATHS.clusterConfig), clusterText);
                assert.ok(carriesKubelet(join), `${h.name}: the kubelet configuration is not a join trigger`);
            }
            for (const w of idc.workers)
                assert.ok(carriesKubelet(triggerTexts(cmd("workers", w.name, "kubeadm-join"))), `${w.name}: the kubelet configuration is not a trigger`);
        });

        it("kubeadm commands log nothing and keep stdout/stderr secret (they could print a token or certificate key)", () => {
            const kubeadm = [
                cmd("control-plane", idc.controlPlane.hosts[0].name, "kubeadm-init"),
                cmd("control-plane", idc.controlPlane.hosts[0].name, "join-token"),
                ...idc.controlPlane.hosts.slice(1).map((h) => cmd("control-plane", h.name, "kubeadm-join")),
                ...idc.workers.map((w) => cmd("workers", w.name, "kubeadm-join")),
            ];
            for (const c of kubeadm) {
                assert.strictEqual(c.inputs.logging, "none", c.name);
                for (const out of ["stdout", "stderr"]) assert.ok(c.additionalSecretOutputs.includes(out), `${c.name}: ${out} not secret`);
            }
            // The others keep their logs (a failing apt-get must be readable).
            const packages = cmd("control-plane", idc.controlPlane.hosts[0].name, "packages");
            assert.strictEqual(packages.inputs.logging, undefined);
            assert.ok(!packages.additionalSecretOutputs.includes("stdout"));
        });

        it("limits VRRP to the control-plane hosts: the nftables filter names exactly their addresses and keepalived's interface, loaded before keepalived", () => {
            for (const h of idc.controlPlane.hosts) {
                const filter = textOf(copiesTo(h.address).find((c) => pathOf(c) === LB_PATHS.vrrpFilter)!.inputs.source);
                const elements = /elements = \{ ([^}]*) \}/.exec(filter)![1].split(", ");
                assert.deepStrictEqual(elements.sort(), idc.controlPlane.hosts.map((x) => x.address).sort());
                assert.match(filter, new RegExp(`^\\s*iifname "${idc.controlPlane.keepalived.interface}" ip protocol vrrp counter drop$`, "m"));
                const lb = cmd("control-plane", h.name, "load-balancer");
                const script = String(lb.inputs.stdin);
                assert.ok(script.indexOf("nft -c -f /etc/hybrid-fleet/vrrp-filter.nft") < script.indexOf("systemctl restart keepalived"));
                assert.match(script, /nftables=1\.0\.6-2\+deb12u2/);
                assert.ok((lb.inputs.triggers as unknown[]).includes(filter), "a changed filter re-runs the load balancer step");
                assert.ok(dependsOn(lb, installOf(copiesTo(h.address).find((c) => pathOf(c) === LB_PATHS.vrrpFilter)!)));
            }
        });

        it("runs one apt-get at a time per control-plane host and restarts the load balancers one host at a time", () => {
            let previous: RegisteredResource | undefined;
            for (const h of idc.controlPlane.hosts) {
                const lb = cmd("control-plane", h.name, "load-balancer");
                assert.ok(dependsOn(lb, cmd("control-plane", h.name, "packages")), `${h.name}: the load balancer's apt-get races the node packages`);
                if (previous) assert.ok(dependsOn(lb, previous), `${h.name}: the load balancer restarts together with ${previous.name}`);
                previous = lb;
            }
        });

        it("renders per-host load-balancer configs: distinct VRRP priorities, unicast peers = the other hosts, every API server a backend", () => {
            const cp = idc.controlPlane.hosts;
            const priorities = cp.map((h) =>
                Number(/priority (\d+)/.exec(textOf(copiesTo(h.address).find((c) => pathOf(c) === LB_PATHS.keepalivedConf)!.inputs.source))![1]),
            );
            assert.strictEqual(new Set(priorities).size, cp.length, `priorities ${priorities}`);
            assert.deepStrictEqual(
                priorities,
                cp.map((h) => vrrpPriority(cp, h)),
            );
            for (const h of cp) {
                const conf = textOf(copiesTo(h.address).find((c) => pathOf(c) === LB_PATHS.keepalivedConf)!.inputs.source);
                const peers = (/unicast_peer \{([^}]*)\}/.exec(conf)?.[1] ?? "").trim().split(/\s+/).filter(Boolean);
                assert.deepStrictEqual(
                    peers.sort(),
                    cp
                        .filter((o) => o !== h)
                        .map((o) => o.address)
                        .sort(),
                );
                if (cp.length > 1) assert.match(conf, new RegExp(`unicast_src_ip ${h.address}\\n`));
                else assert.doesNotMatch(conf, /unicast/, "a lone host has no unicast peers");
                assert.match(conf, new RegExp(`${idc.controlPlane.vip.replace(/\./g, "\\.")}/\\d+ dev ${idc.controlPlane.keepalived.interface}`));
                const haproxy = textOf(copiesTo(h.address).find((c) => pathOf(c) === LB_PATHS.haproxyCfg)!.inputs.source);
                assert.match(haproxy, new RegExp(`bind \\*:${idc.controlPlane.port}\\n`));
                const servers = [...haproxy.matchAll(/^\s+server (\S+) (\S+) /gm)].map((m) => `${m[1]} ${m[2]}`);
                assert.deepStrictEqual(
                    servers,
                    cp.map((o) => `${o.name} ${o.address}:6443`),
                );
            }
        });

        it("installs every copy root-owned with the mode of its class (CIS 1.1.19-1.1.21), from the SSH user's staging directory", () => {
            const unwrapText = (v: unknown) => String(v instanceof SecretValue ? v.value : v);
            /** [owner group, mode] per file class: keys/tokens/encryption 0600, etcd files group etcd, Kubernetes PKI 0600. */
            const expectedOf = (p: string): [string, string] => {
                if (p.startsWith(`${ETCD_PATHS.configDir}/`)) return ["etcd", /\.sh$/.test(p) ? "0750" : "0640"];
                if (p.startsWith("/etc/kubernetes/pki/")) return ["root", "0600"];
                if (/vrrp-auth\.conf$|kubeadm-(init|join)\.yaml$|encryption-config\.yaml$|swanctl\.conf$/.test(p)) return ["root", "0600"];
                if (p === LINKS_PATHS.frrConf) return ["root", "0640"];
                if (/\.sh$/.test(p)) return ["root", "0755"];
                return ["root", "0644"];
            };
            const copies = ofType(T.copy);
            assert.ok(copies.length > 0);
            for (const c of copies) {
                const target = pathOf(c);
                assert.strictEqual(String(c.inputs.remotePath), `/var/lib/hybrid-fleet/stage/${idc.ssh.user}${target}`, c.name);
                const install = installOf(c);
                assert.ok(install, `${c.name} is never installed`);
                assert.ok(dependsOn(install, c), `${install.name} runs before the copy`);
                const [group, mode] = expectedOf(target);
                const script = unwrapText(install.inputs.stdin);
                assert.ok(script.includes(`install -D -o root -g ${group} -m ${mode} ${String(c.inputs.remotePath)} ${target}\n`), `${target}: ${script}`);
                assert.match(script, new RegExp(`^  rm -f ${String(c.inputs.remotePath).replace(/[.]/g, "\\.")}$`, "m"), `${target}: staged copy left behind`);
                // The trigger is the content's hash: a secret file's hash stays a secret too.
                const [hash] = install.inputs.triggers as unknown[];
                assert.match(unwrapText(hash), /^[0-9a-f]{64}$/);
                assert.strictEqual(hash instanceof SecretValue, c.inputs.source instanceof SecretValue, `${target}: hash secrecy differs from the file's`);
            }
            // Key directories 0700, the others 0750, root-owned; the staging mirror belongs to the SSH user.
            for (const h of idc.controlPlane.hosts) {
                const dirs = String(cmd("control-plane", h.name, "dirs").inputs.stdin);
                assert.match(dirs, /^install -d -o root -g root -m 0700 \/etc\/kubernetes\/pki$/m);
                assert.match(dirs, /^install -d -o root -g root -m 0700 \/etc\/kubernetes\/pki\/etcd$/m);
                assert.match(dirs, /^install -d -o root -g root -m 0750 \/etc\/kubernetes$/m);
                assert.ok(dirs.includes(`install -d -o ${idc.ssh.user} -m 0700 /var/lib/hybrid-fleet/stage/${idc.ssh.user}\n`));
                assert.doesNotMatch(dirs, new RegExp(`^install -d -o ${idc.ssh.user} -g`, "m"), "a target directory still owned by the SSH user");
            }
            for (const h of idc.etcd.hosts) {
                const dirs = String(cmd("etcd", h.name, "dirs").inputs.stdin);
                assert.match(dirs, /^install -d -o root -g etcd -m 0750 \/etc\/etcd\/pki$/m);
            }
        });

        it("never shows a secret in plain text: SSH key, private keys, token, certificate key, encryption key, VRRP pass, S3 credentials, kubeconfig", () => {
            const file = readStackFile(stackFilePath(stack));
            const { config } = offlineConfig(file, parseStackFile(file));
            const store = idc.etcd.backup.objectStore ?? idc.metrics.objectStore;
            const configKeys = [idc.ssh.privateKeyConfigKey, store.credentials!.accessKeyIdKey, store.credentials!.secretAccessKeyKey];
            const state = (type: string, name: string, key: string) => String(named(type, name).state[key]);
            const cpName = `${idc.name}-control-plane`;
            const needles: Record<string, string> = {
                ...Object.fromEntries(configKeys.map((k) => [`config ${k}`, config[`hybrid-fleet:${k}`]])),
                ...Object.fromEntries(ofType("tls:index/privateKey:PrivateKey").map((k) => [k.name, String(k.state.privateKeyPem).split("\n")[1]])),
                // A token minted for a join (the mock's `kubeadm token create` prints one).
                "bootstrap token": state(
                    T.command,
                    `${cpName}-${idc.controlPlane.hosts[0].name}-join-token-${(idc.workers[0] ?? idc.controlPlane.hosts[1]).name}`,
                    "stdout",
                ).trim(),
                "certificate key": state("random:index/randomBytes:RandomBytes", `${cpName}-certificate-key`, "hex"),
                "encryption key": state("random:index/randomBytes:RandomBytes", `${cpName}-encryption-key`, "base64"),
                "VRRP auth pass": state("random:index/randomPassword:RandomPassword", `${cpName}-vrrp-auth`, "result"),
            };
            // The admin key as it sits base64-encoded in the kubeconfig.
            const adminKey = String(named("tls:index/privateKey:PrivateKey", `${idc.name}-pki-admin-key`).state.privateKeyPem);
            needles["kubeconfig client key"] = Buffer.from(adminKey).toString("base64").slice(0, 60);
            assert.ok(Object.keys(needles).length >= 10 + idc.etcd.hosts.length * 2);
            for (const [what, needle] of Object.entries(needles)) {
                assert.ok(needle && needle.length >= 8, `${what}: no value to look for`);
                assert.deepStrictEqual(plainTextOccurrences(inventory, needle), [], `${what} in plain text`);
                assert.ok(secretOccurrences(inventory, needle).length > 0, `${what} is never used (the check would prove nothing)`);
            }
            // Join files hold the certificate key on control-plane hosts only (no join file holds a token).
            const cpAddresses = new Set(idc.controlPlane.hosts.map((h) => h.address));
            const secretFiles = ofType(T.copy).filter(
                (c) =>
                    /\.key$|vrrp-auth\.conf$|kubeadm-init\.yaml$|encryption-config\.yaml$|backup-credentials\.env$/.test(pathOf(c)) ||
                    (pathOf(c) === KUBEADM_PATHS.joinConfig && cpAddresses.has(String(connectionOf(c).host))),
            );
            assert.ok(secretFiles.length > 0);
            for (const c of secretFiles) assert.ok(c.inputs.source instanceof SecretValue, `${pathOf(c)} on ${connectionOf(c).host} is not a secret`);
            for (const c of ofType(T.copy).filter((x) => /keepalived\.conf$|kubeadm-cluster\.yaml$|etcd\.conf\.yml$|haproxy\.cfg$/.test(pathOf(x)))) {
                assert.ok(!(c.inputs.source instanceof SecretValue), `${pathOf(c)} is withheld from the plan although it holds no secret`);
            }
        });

        it("declares every join step in a preview too, while the minted tokens are unknown", async () => {
            const { inventory: preview } = await runFleet(spec, stack, { preview: true });
            const ids = (inv: Inventory) =>
                inv.resources
                    .filter((r) => r.type.startsWith("command:remote:"))
                    .map((r) => `${r.type}::${r.name}`)
                    .sort();
            assert.deepStrictEqual(ids(preview), ids(inventory));
            const w = idc.workers[0] ?? idc.controlPlane.hosts[1];
            const join = preview.named(T.command, `${idc.name}-${idc.workers[0] ? "workers" : "control-plane"}-${w.name}-kubeadm-join`);
            const stdin = join.inputs.stdin instanceof SecretValue ? join.inputs.stdin.value : join.inputs.stdin;
            assert.strictEqual(stdin, "[unknown]", "the join script waits for its token");
        });

        it("hands back a secret kubeconfig and the cluster's own provider, after kubeadm init", async () => {
            const built = fleet.clusters.find((c) => c.spec.name === idc.name)!;
            assert.ok(await (built.access!.kubeconfig as any).isSecret, "kubeconfig output is not a secret");
            const provider = named(T.k8sProvider, k8sProviderName(idc.name));
            assert.ok(provider.inputs.kubeconfig instanceof SecretValue);
            assert.match(
                String(provider.inputs.kubeconfig.value),
                new RegExp(`server: https://${idc.controlPlane.vip.replace(/\./g, "\\.")}:${idc.controlPlane.port}\\n`),
            );
            assert.ok(dependsOn(provider, cmd("control-plane", idc.controlPlane.hosts[0].name, "kubeadm-init")));
            assert.strictEqual(built.outputs.apiServer, `https://${idc.controlPlane.vip}:${idc.controlPlane.port}`);
        });

        it("protects exactly what holds data: the etcd data disks, the CA keys and certificates, the encryption key", () => {
            const protectedNames = mine
                .filter((r) => r.protect)
                .map((r) => r.name)
                .sort();
            assert.deepStrictEqual(
                protectedNames,
                [
                    ...idc.etcd.hosts.map((h) => `${idc.name}-etcd-${h.name}-data-disk`),
                    `${idc.name}-pki-etcd-ca-key`,
                    `${idc.name}-pki-etcd-ca-cert`,
                    `${idc.name}-pki-kubernetes-ca-key`,
                    `${idc.name}-pki-kubernetes-ca-cert`,
                    `${idc.name}-pki-kubelet-serving-ca-key`,
                    `${idc.name}-pki-kubelet-serving-ca-cert`,
                    `${idc.name}-control-plane-encryption-key`,
                ].sort(),
            );
            for (const h of idc.etcd.hosts) {
                const disk = cmd("etcd", h.name, "data-disk");
                assert.match(String(disk.inputs.stdin), new RegExp(`dev=${h.nvmeDevice}\\n`));
                assert.strictEqual(disk.inputs.delete, undefined, "the data disk command must not act on delete");
            }
        });

        it("registers every control-plane host and worker with its spec labels (kubelet node-labels in its secret kubeadm file)", () => {
            const nodeLabelsOf = (address: string, remotePath: string) => {
                const file = copiesTo(address).find((c) => pathOf(c) === remotePath);
                assert.ok(file, `${address} has no ${remotePath}`);
                // A control-plane join file holds the certificate key; no join file holds a token.
                const controlPlane = idc.controlPlane.hosts.some((h) => h.address === address);
                assert.strictEqual(
                    file.inputs.source instanceof SecretValue,
                    controlPlane,
                    `${remotePath} on ${address}: secret only with the certificate key`,
                );
                const doc = YAML.parse(textOf(file.inputs.source));
                assert.strictEqual(doc.kind, remotePath === KUBEADM_PATHS.initConfig ? "InitConfiguration" : "JoinConfiguration");
                const args = doc.nodeRegistration.kubeletExtraArgs as { name: string; value: string }[];
                const flag = args.filter((a) => a.name === "node-labels");
                assert.ok(flag.length <= 1, `${address}: node-labels given twice`);
                return Object.fromEntries((flag[0]?.value.split(",") ?? []).map((kv) => kv.split("=") as [string, string]));
            };
            idc.controlPlane.hosts.forEach((h, i) => {
                assert.deepStrictEqual(nodeLabelsOf(h.address, i === 0 ? KUBEADM_PATHS.initConfig : KUBEADM_PATHS.joinConfig), h.labels, h.name);
            });
            for (const w of idc.workers) assert.deepStrictEqual(nodeLabelsOf(w.address, KUBEADM_PATHS.joinConfig), w.labels, w.name);
            if (stack === "prod") {
                // The racks the BGP peers select (Pulumi.prod.yaml): the API server's hosts get routes too.
                assert.deepStrictEqual(
                    idc.controlPlane.hosts.map(
                        (h) =>
                            nodeLabelsOf(h.address, h === idc.controlPlane.hosts[0] ? KUBEADM_PATHS.initConfig : KUBEADM_PATHS.joinConfig)[
                                "topology.kubernetes.io/zone"
                            ],
                    ),
                    ["rack-a", "rack-b", "rack-c"],
                );
            }
        });

        it("issues etcd certificates per member with the member's SANs", () => {
            for (const h of idc.etcd.hosts) {
                for (const kind of ["server", "peer"]) {
                    const csr = named("tls:index/certRequest:CertRequest", `${idc.name}-pki-etcd-${h.name}-${kind}-csr`);
                    assert.deepStrictEqual([...csr.inputs.dnsNames].sort(), [h.name, "localhost"].sort());
                    assert.deepStrictEqual([...csr.inputs.ipAddresses].sort(), [h.address, "127.0.0.1"].sort());
                }
            }
        });
    });
}
