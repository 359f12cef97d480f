// The IDC site's components, each built alone on the mock engine from its own args: no fleet, no site.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { EtcdCluster } from "../../../components/idc/etcdCluster";
import { HaControlPlane } from "../../../components/idc/haControlPlane";
import { ClusterPki } from "../../../components/idc/pki";
import { KubernetesUpgrade } from "../../../components/idc/upgrade";
import { IdcWorkers } from "../../../components/idc/workers";
import { before, beforeUrn, buildAlone, idcCluster } from "../alone";
import { SecretValue } from "../../harness";

const login = () => ({
    user: "fleet",
    port: 22,
    privateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----\n...\n-----END OPENSSH PRIVATE KEY-----\n"),
    hostKeys: {},
});
const commands = (declared: { type: string; name: string }[]) => declared.filter((r) => r.type === "command:remote:Command").map((r) => r.name);

describe("components/idc: each component alone", () => {
    it("ClusterPki: the etcd, Kubernetes and kubelet-serving CAs, a server and a peer certificate per etcd member, CA keys protected", async () => {
        const members = [
            { name: "e1", address: "10.0.1.11" },
            { name: "e2", address: "10.0.1.12" },
        ];
        const { declared } = await buildAlone("hybrid:idc:ClusterPki", () => new ClusterPki("c1-pki", { cluster: "c1", etcdMembers: members }));
        const certs = declared.filter((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert").map((r) => r.name);
        for (const m of members)
            assert.ok(
                certs.some((c) => c.includes(m.name) && c.includes("server")) && certs.some((c) => c.includes(m.name) && c.includes("peer")),
                certs.join(","),
            );
        const caCerts = declared.filter((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert");
        // etcd, Kubernetes, and the kubelets' serving certificates.
        assert.deepStrictEqual(caCerts.map((c) => c.inputs.subject.commonName).sort(), ["c1-etcd-ca", "c1-kubelet-serving-ca", "kubernetes"]);
        const keys = declared.filter((r) => r.type === "tls:index/privateKey:PrivateKey" && caCerts.some((c) => c.dependencies.includes(r.urn)));
        assert.ok(keys.length === 3 && keys.every((k) => k.protect), "the three CA keys exist and are protected");
    });

    it("EtcdCluster: per member its data disk (protected), packages and start, then one health gate", async () => {
        const etcd = idcCluster("prod").etcd;
        const { declared } = await buildAlone(
            "hybrid:idc:EtcdCluster",
            () => {
                const pki = new ClusterPki("c1-pki", { cluster: "c1", etcdMembers: etcd.hosts });
                const secret = pulumi.secret("x");
                return new EtcdCluster("c1-etcd", {
                    cluster: "c1",
                    etcd,
                    pki,
                    login: login(),
                    backupTarget: { endpoint: "https://s3.example.com", bucket: "b", region: "r", prefix: "p", accessKeyId: secret, secretAccessKey: secret },
                });
            },
            "prod",
            ["hybrid:idc:ClusterPki"],
        );
        const names = commands(declared);
        for (const h of etcd.hosts) {
            for (const what of ["data-disk", "packages", "start"])
                assert.ok(names.includes(`c1-etcd-${h.name}-${what}`), `${h.name} ${what}: ${names.join(",")}`);
            assert.ok(
                declared.find((r) => r.type === "command:remote:Command" && r.name === `c1-etcd-${h.name}-data-disk`)!.protect,
                "the data disk command is protected",
            );
        }
        assert.strictEqual(names.filter((n) => n.endsWith("-healthy")).length, 1);
    });

    it("HaControlPlane: load balancer on every host, kubeadm init on the first after etcd, joins on the others", async () => {
        const spec = idcCluster("prod");
        const { inventory, declared } = await buildAlone(
            "hybrid:idc:HaControlPlane",
            () => {
                const pki = new ClusterPki("c1-pki", { cluster: "c1", etcdMembers: spec.etcd.hosts });
                return new HaControlPlane("c1-control-plane", {
                    spec,
                    etcdEndpoints: spec.etcd.hosts.map((h) => `https://${h.address}:2379`),
                    etcdHealthy: before("c1-etcd-healthy"),
                    pki,
                    login: login(),
                    joiningHosts: spec.workers.map((w) => w.name),
                });
            },
            "prod",
            ["hybrid:idc:ClusterPki"],
        );
        const names = commands(declared);
        const [first, ...others] = spec.controlPlane.hosts;
        for (const h of spec.controlPlane.hosts) assert.ok(names.includes(`c1-control-plane-${h.name}-load-balancer`), names.join(","));
        const init = declared.find((r) => r.type === "command:remote:Command" && r.name === `c1-control-plane-${first.name}-kubeadm-init`)!;
        assert.ok(init.dependencies.includes(beforeUrn(inventory, "c1-etcd-healthy")), `kubeadm init waits for etcd: ${init.dependencies.join(" ")}`);
        for (const h of others) assert.ok(names.includes(`c1-control-plane-${h.name}-kubeadm-join`), names.join(","));
    });

    it("IdcWorkers: each worker joins with a token minted for it, which is retired after its join; one worker after the other", async () => {
        const spec = idcCluster("prod");
        const minted: string[] = [];
        const mintedAfter: pulumi.Input<pulumi.Resource>[][] = [];
        const retired: [string, pulumi.Resource][] = [];
        const evicted: [string, pulumi.Resource[]][] = [];
        const { inventory, declared } = await buildAlone(
            "hybrid:idc:Workers",
            () =>
                new IdcWorkers("c1-workers", {
                    spec,
                    login: login(),
                    caCertHash: pulumi.output("sha256:" + "0".repeat(64)),
                    joinTokens: {
                        mint: (host, _triggers, after) => {
                            minted.push(host);
                            mintedAfter.push(after);
                            return { token: pulumi.secret("abcdef.0123456789abcdef"), minted: before(`c1-mint-${host}`) };
                        },
                        retire: (host, _m, join) => {
                            retired.push([host, join]);
                            return join;
                        },
                        evictOnRemoval: (node, after) => {
                            evicted.push([node, after]);
                            return after[0];
                        },
                    },
                    kubeletConfig: "kind: KubeletConfiguration\n",
                }),
        );
        const joins = declared.filter((r) => r.type === "command:remote:Command" && r.name.endsWith("-kubeadm-join"));
        assert.deepStrictEqual(joins.map((j) => j.name).sort(), spec.workers.map((w) => `c1-workers-${w.name}-kubeadm-join`).sort());
        assert.deepStrictEqual(
            minted,
            spec.workers.map((w) => w.name),
        );
        assert.deepStrictEqual(
            retired.map(([h]) => h),
            spec.workers.map((w) => w.name),
        );
        for (const [i, w] of spec.workers.entries()) {
            const j = joins.find((x) => x.name === `c1-workers-${w.name}-kubeadm-join`)!;
            assert.ok(j.dependencies.includes(beforeUrn(inventory, `c1-mint-${w.name}`)), `${w.name} joins before its token exists`);
            assert.ok(j.inputs.stdin instanceof SecretValue, "the join script holds the token: a secret");
            assert.ok(String(j.inputs.stdin.value).includes("token=abcdef.0123456789abcdef\n"));
            assert.ok(retired[i][1] !== undefined);
            // The previous worker's join, retired, comes first: its mint and its join wait for it.
            if (i > 0) {
                const prev = joins.find((x) => x.name === `c1-workers-${spec.workers[i - 1].name}-kubeadm-join`)!;
                assert.ok(j.dependencies.includes(prev.urn), `${w.name} joins while ${spec.workers[i - 1].name} may still restart its kubelet`);
                assert.ok(mintedAfter[i].includes(retired[i - 1][1]), `${w.name}'s token is minted before the previous worker is done`);
            }
        }
        assert.ok(spec.workers.length > 1);
        // Each worker's removal: reset on the host, which the control plane's eviction (drain, delete node) depends on.
        const resets = declared.filter((r) => r.name.endsWith("-node-reset"));
        assert.deepStrictEqual(resets.map((r) => r.name).sort(), spec.workers.map((w) => `c1-workers-${w.name}-node-reset`).sort());
        assert.deepStrictEqual(
            evicted.map(([n]) => n),
            spec.workers.map((w) => w.name),
        );
        for (const r of resets) {
            const w = spec.workers.find((x) => r.name === `c1-workers-${x.name}-node-reset`)!;
            assert.strictEqual(r.inputs.create, "true", "creating it runs nothing");
            assert.strictEqual(r.inputs.triggers, undefined, "no trigger can replace it (a replacement would reset the node)");
            assert.match(String(r.inputs.delete), /^sudo -n bash -c '[\s\S]*kubeadm reset -f[\s\S]*'$/);
            assert.ok(r.dependencies.includes(joins.find((x) => x.name === `c1-workers-${w.name}-kubeadm-join`)!.urn));
        }
    });

    it("KubernetesUpgrade: one chain, first control plane, the others, then drain/upgrade/uncordon per worker", async () => {
        const hosts = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i + 1}`, address: `10.0.0.${i + 1}` }));
        const { declared } = await buildAlone(
            "hybrid:idc:KubernetesUpgrade",
            () =>
                new KubernetesUpgrade("c1-upgrade", {
                    kubernetesVersion: "1.36.1",
                    controlPlaneHosts: hosts("cp", 3),
                    workers: hosts("w", 2),
                    login: login(),
                    after: [before("c1-joined")],
                }),
        );
        const steps = declared.filter((r) => r.type === "command:remote:Command");
        assert.strictEqual(steps.length, 1 + 2 + 3 * 2);
        // A chain: every step but the first depends on exactly one other step.
        const urns = new Set(steps.map((s) => s.urn));
        assert.strictEqual(steps.filter((s) => s.dependencies.filter((d) => urns.has(d)).length === 1).length, steps.length - 1);
    });
});
