// The fleet spec: the checked-in stacks are valid, every rule rejects what it must with the
// path and the rule, and no mutation of a valid spec makes validation crash.
import * as assert from "assert";
import fc from "fast-check";
import { parseFleet, secretConfigKeys } from "../../../stacks/spec";
import { ACK, assertViolation, directConnectLink, EKS, IDC, newSshHostKey, parsedAfter, rawStackFleet, violationsAfter } from "../../harness";

describe("fleet spec", () => {
    it("accepts the prod and dev stacks and applies defaults", () => {
        for (const stack of ["prod", "dev"] as const) {
            const result = parseFleet(rawStackFleet(stack));
            assert.ok(result.ok, result.ok ? "" : result.violations.join("\n"));
        }
        const dev = parseFleet(rawStackFleet("dev"));
        assert.ok(dev.ok);
        const idc = dev.spec.clusters[0];
        assert.strictEqual(idc.provider, "idc");
        if (idc.provider !== "idc") return;
        assert.strictEqual(idc.controlPlane.port, 8443, "VIP port defaults to 8443");
        assert.strictEqual(idc.ssh.privateKeyConfigKey, "sshPrivateKey");
        assert.strictEqual(idc.federation.syncMode, "Push");
        const eks = dev.spec.clusters[1];
        assert.ok(eks.provider === "eks" && eks.network.cni === "vpc-cni" && eks.endpoint.privateAccess && eks.endpoint.publicAccessCidrs.length === 0);
    });

    it("names the secret config keys the stack must hold", () => {
        const result = parseFleet(rawStackFleet("prod"));
        assert.ok(result.ok);
        assert.deepStrictEqual(secretConfigKeys(result.spec), [
            "alertWebhookChat",
            "alertWebhookOncall",
            "idcStoreAccessKeyId",
            "idcStoreSecretAccessKey",
            "sshPrivateKey",
        ]);
    });

    describe("names and references", () => {
        it("rejects duplicate cluster names", () => {
            const v = violationsAfter((f) => (f.clusters[ACK].name = f.clusters[EKS].name));
            assertViolation(v, "clusters[2].name: cluster name eks-apne1 is already used by clusters[1]");
        });
        it("rejects cluster names that are not DNS-1123 labels", () => {
            const v = violationsAfter((f) => (f.clusters[EKS].name = "EKS_Tokyo"));
            assertViolation(v, "clusters[1].name: must be a DNS-1123 label (lowercase letters, digits, '-')");
        });
        it("rejects a hub that is not a cluster", () => {
            const v = violationsAfter((f) => (f.hub = "gke-1"));
            assertViolation(v, "hub: gke-1 is not the name of a cluster");
        });
        it("rejects links to unknown clusters, self links and duplicate links", () => {
            const v = violationsAfter((f) => {
                f.links.push({ between: ["idc-sh", "nowhere"], kind: "ipsec-vpn" });
                f.links.push({ between: ["ack-sh", "ack-sh"], kind: "ipsec-vpn" });
                f.links.push({ between: ["eks-apne1", "idc-sh"], kind: "direct-connect" });
            });
            assertViolation(v, "links[3].between[1]: nowhere is not the name of a cluster");
            assertViolation(v, "links[4].between: a link must join two different clusters (both ends are ack-sh)");
            assertViolation(v, "links[5].between: duplicates links[0] (eks-apne1 <-> idc-sh)");
        });
        it("lands a dedicated line in its own cloud", () => {
            const v = violationsAfter((f) => {
                f.links[0].kind = "express-connect"; // idc <-> eks
                f.links[1].kind = "direct-connect"; // idc <-> ack
            });
            assertViolation(v, "links[0].kind: express-connect is Alibaba Cloud Express Connect: one end must be an ack cluster");
            assertViolation(v, "links[1].kind: direct-connect is AWS Direct Connect: one end must be an eks cluster");
            // idc <-> eks: the line's parameters replace the tunnels' /30s; Tokyo-Shanghai needs a licensed line.
            assert.ok(parsedAfter((f) => (f.links[0] = directConnectLink())).ok, "Direct Connect between the IDC and EKS is fine");
        });
        it("rejects unknown keys, so typos do not pass silently", () => {
            const v = violationsAfter((f) => (f.clusters[IDC].controlPlane.vipp = "10.10.0.10"));
            assertViolation(v, 'clusters[0].controlPlane: Unrecognized key: "vipp"');
        });
    });

    describe("network plan", () => {
        it("rejects invalid CIDRs", () => {
            const v = violationsAfter((f) => {
                f.clusters[EKS].network.vpcCidr = "10.20.0.0/33";
                f.clusters[ACK].network.podCidr = "10.66.0.1/16";
            });
            assertViolation(v, "clusters[1].network.vpcCidr: must be an IPv4 CIDR network address (a.b.c.d/n, host bits zero)");
            assertViolation(v, "clusters[2].network.podCidr: must be an IPv4 CIDR network address (a.b.c.d/n, host bits zero)");
        });
        it("rejects a pod CIDR that overlaps another cluster's", () => {
            const v = violationsAfter((f) => (f.clusters[ACK].network.podCidr = "10.64.128.0/17"));
            assertViolation(v, "clusters[2].network.podCidr: 10.64.128.0/17 overlaps clusters[0].network.podCidr 10.64.0.0/16");
        });
        it("rejects overlaps across kinds of blocks and inside one cluster", () => {
            const v = violationsAfter((f) => {
                f.clusters[EKS].network.serviceCidr = "10.10.0.0/16"; // covers the IDC node CIDR
                f.clusters[ACK].network.serviceCidr = "10.30.128.0/20"; // inside its own VPC
            });
            assertViolation(v, "clusters[1].network.serviceCidr: 10.10.0.0/16 overlaps clusters[0].network.nodeCidr 10.10.0.0/20");
            assertViolation(v, "clusters[2].network.serviceCidr: 10.30.128.0/20 overlaps clusters[2].network.vpcCidr 10.30.0.0/16");
        });
    });

    describe("IDC clusters", () => {
        it("requires an odd number of 3 to 7 etcd members in prod", () => {
            const even = violationsAfter((f) => f.clusters[IDC].etcd.hosts.pop());
            assertViolation(even, "clusters[0].etcd.hosts: etcd members must be odd and 3 to 7 in prod (got 2)");
            const one = violationsAfter((f) => f.clusters[IDC].etcd.hosts.splice(1));
            assertViolation(one, "clusters[0].etcd.hosts: etcd members must be odd and 3 to 7 in prod (got 1)");
            const nine = violationsAfter((f) => {
                for (let i = 4; i <= 9; i++) f.clusters[IDC].etcd.hosts.push({ name: `etcd-${i}`, address: `10.10.1.${10 + i}`, nvmeDevice: "/dev/nvme0n1" });
            });
            assertViolation(nine, "clusters[0].etcd.hosts: etcd members must be odd and 3 to 7 in prod (got 9)");
        });
        it("allows one etcd member outside prod, never an even number", () => {
            assert.ok(parseFleet(rawStackFleet("dev")).ok, "dev has one etcd member");
            const v = violationsAfter((f) => f.clusters[0].etcd.hosts.push({ name: "dev-etcd-2", address: "10.110.1.12", nvmeDevice: "/dev/nvme0n1" }), "dev");
            assertViolation(v, "clusters[0].etcd.hosts: etcd members must be odd and at most 7 (got 2)");
        });
        it("requires 3 control-plane hosts in prod", () => {
            const v = violationsAfter((f) => f.clusters[IDC].controlPlane.hosts.pop());
            assertViolation(v, "clusters[0].controlPlane.hosts: at least 3 control-plane hosts in prod (got 2)");
        });
        it("counts only serving control-plane hosts in prod, and never lets the first one retire", () => {
            const retire = (i: number) => (f: any) => (f.clusters[IDC].controlPlane.hosts[i].retiring = true);
            assertViolation(
                violationsAfter(retire(2)),
                "clusters[0].controlPlane.hosts: at least 3 control-plane hosts in prod (got 2 besides 1 retiring: add the replacement first)",
            );
            assertViolation(
                violationsAfter(retire(0), "dev"),
                "clusters[0].controlPlane.hosts[0].retiring: the first control-plane host cannot retire: it runs kubeadm init and the cluster's own commands; list another host first, then retire this one",
            );
            // The positive control: a fourth host, then the third retiring.
            const result = parsedAfter((f) => {
                const hosts = f.clusters[IDC].controlPlane.hosts;
                hosts.push({ ...hosts[2], name: "cp-4", address: "10.10.0.14", sshHostKey: newSshHostKey() });
                hosts[2].retiring = true;
            });
            assert.ok(result.ok, result.ok ? "" : result.violations.join("\n"));
        });
        it("counts only serving etcd members (odd, 3 to 7 in prod), and never lets the first one retire", () => {
            const grow = (f: any) => {
                const hosts = f.clusters[IDC].etcd.hosts;
                for (const n of [4, 5]) hosts.push({ ...hosts[0], name: `etcd-${n}`, address: `10.10.1.${10 + n}`, sshHostKey: newSshHostKey() });
            };
            assertViolation(
                violationsAfter((f) => {
                    grow(f);
                    f.clusters[IDC].etcd.hosts[4].retiring = true;
                }),
                "clusters[0].etcd.hosts: etcd members must be odd and 3 to 7 in prod (got 4 besides 1 retiring)",
            );
            assertViolation(
                violationsAfter((f) => (f.clusters[IDC].etcd.hosts[2].retiring = true)),
                "clusters[0].etcd.hosts: etcd members must be odd and 3 to 7 in prod (got 2 besides 1 retiring)",
            );
            assertViolation(
                violationsAfter((f) => {
                    grow(f);
                    f.clusters[IDC].etcd.hosts[0].retiring = true;
                    f.clusters[IDC].etcd.hosts[1].retiring = true;
                }),
                "clusters[0].etcd.hosts[0].retiring: the first etcd member cannot retire: it runs the membership step and the health gate; list another member first, then retire this one",
            );
            // The positive control: 5 members, the last two retiring (5 -> 3 in one `pulumi up`).
            const result = parsedAfter((f) => {
                grow(f);
                f.clusters[IDC].etcd.hosts[3].retiring = true;
                f.clusters[IDC].etcd.hosts[4].retiring = true;
            });
            assert.ok(result.ok, result.ok ? "" : result.violations.join("\n"));
        });
        it("requires the etcd election timeout to be at least 10x the heartbeat (etcd docs, Tuning)", () => {
            const v = violationsAfter(
                (f) => (f.clusters[IDC].etcd.tuning = { ...(f.clusters[IDC].etcd.tuning ?? {}), heartbeatIntervalMs: 200, electionTimeoutMs: 1000 }),
            );
            assertViolation(v, "clusters[0].etcd.tuning.electionTimeoutMs: must be at least 10x heartbeatIntervalMs (1000 < 10 x 200)");
        });
        it("requires a grace period for every soft eviction signal", () => {
            const v = violationsAfter(
                (f) =>
                    (f.clusters[IDC].kubelet = {
                        evictionSoft: { "memory.available": "1Gi", "nodefs.available": "15%" },
                        evictionSoftGracePeriod: { "memory.available": "90s" },
                    }),
            );
            assertViolation(v, "clusters[0].kubelet.evictionSoftGracePeriod: needs a grace period for evictionSoft signal nodefs.available");
        });
        it("bounds the kubelet's per-pod PID limit (1024 to the kernel's 4194304, whole) and takes seccompDefault as a boolean", () => {
            const kubelet = (k: object) => violationsAfter((f) => (f.clusters[IDC].kubelet = k));
            assertViolation(kubelet({ podPidsLimit: 1023 }), "clusters[0].kubelet.podPidsLimit: must be at least 1024");
            assertViolation(kubelet({ podPidsLimit: 4194305 }), "clusters[0].kubelet.podPidsLimit: must be at most 4194304 (the kernel's pid_max limit)");
            assert.ok(kubelet({ podPidsLimit: 4096.5 }).some((v) => v.startsWith("clusters[0].kubelet.podPidsLimit: ")));
            assert.ok(kubelet({ seccompDefault: "true" }).some((v) => v.startsWith("clusters[0].kubelet.seccompDefault: ")));
            for (const k of [{ podPidsLimit: 1024, seccompDefault: false }, { podPidsLimit: 4194304 }]) {
                const result = parsedAfter((f) => (f.clusters[IDC].kubelet = k));
                assert.ok(result.ok, result.ok ? "" : result.violations.join("\n"));
            }
        });
        it("keeps the critical pods' shutdown share within the whole period, on IDC and EKS (the kubelet's rule)", () => {
            assertViolation(
                violationsAfter((f) => (f.clusters[IDC].kubelet = { shutdownGracePeriodSeconds: 20, shutdownGracePeriodCriticalPodsSeconds: 30 })),
                "clusters[0].kubelet.shutdownGracePeriodCriticalPodsSeconds: must be at most shutdownGracePeriodSeconds (30 > 20): the critical pods' share of the shutdown",
            );
            assertViolation(
                violationsAfter((f) => (f.clusters[EKS].kubelet = { shutdownGracePeriodSeconds: 0 })),
                "clusters[1].kubelet.shutdownGracePeriodCriticalPodsSeconds: must be at most shutdownGracePeriodSeconds (10 > 0): the critical pods' share of the shutdown",
            );
            const off = parsedAfter((f) => (f.clusters[IDC].kubelet = { shutdownGracePeriodSeconds: 0, shutdownGracePeriodCriticalPodsSeconds: 0 }));
            assert.ok(off.ok, off.ok ? "" : off.violations.join("\n"));
        });
        it("takes the same kubelet bounds on EKS and ACK; ACK's kubelet has no seccompDefault (its node pools cannot set one)", () => {
            assertViolation(
                violationsAfter((f) => (f.clusters[EKS].kubelet = { podPidsLimit: 512 })),
                "clusters[1].kubelet.podPidsLimit: must be at least 1024",
            );
            assertViolation(
                violationsAfter((f) => (f.clusters[ACK].kubelet = { podPidsLimit: 5000000 })),
                "clusters[2].kubelet.podPidsLimit: must be at most 4194304 (the kernel's pid_max limit)",
            );
            assert.ok(violationsAfter((f) => (f.clusters[ACK].kubelet = { seccompDefault: true })).some((v) => v.startsWith("clusters[2].kubelet")));
            const result = parsedAfter((f) => {
                f.clusters[EKS].kubelet = { seccompDefault: false, podPidsLimit: 8192 };
                f.clusters[ACK].kubelet = { podPidsLimit: 8192 };
            });
            assert.ok(result.ok, result.ok ? "" : result.violations.join("\n"));
        });
        it("requires backup store credentials and an endpoint", () => {
            const noCredentials = violationsAfter((f) => delete f.clusters[IDC].metrics.objectStore.credentials);
            assertViolation(
                noCredentials,
                "clusters[0].etcd.backup.objectStore: etcd backups need an object store with credentials (IDC hosts have no cloud identity); set etcd.backup.objectStore or metrics.objectStore.credentials",
            );
            const noEndpoint = violationsAfter((f) => {
                f.clusters[IDC].etcd.backup = {
                    objectStore: { kind: "s3", bucket: "etcd-backups-sh", credentials: f.clusters[IDC].metrics.objectStore.credentials },
                };
            });
            assertViolation(noEndpoint, "clusters[0].etcd.backup.objectStore: etcd backups need an object store endpoint (or an s3 store with a region)");
        });
        it("requires a Kubernetes minor the support table knows (kubeadm v1beta4, known pause image)", () => {
            for (const version of ["1.30.9", "1.37.0"]) {
                const v = violationsAfter((f) => (f.clusters[IDC].kubernetesVersion = version), "dev");
                assertViolation(
                    v,
                    `clusters[0].kubernetesVersion: upstream Kubernetes (IDC) ${version.split(".").slice(0, 2).join(".")} is not a known version (known: 1.31, 1.32, 1.33, 1.34, 1.35, 1.36)`,
                );
            }
        });
        it("requires every host address inside nodeCidr", () => {
            const v = violationsAfter((f) => (f.clusters[IDC].workers[2].address = "192.168.7.3"));
            assertViolation(v, "clusters[0].workers[2].address: 192.168.7.3 is outside network.nodeCidr 10.10.0.0/20");
        });
        it("requires the VIP inside nodeCidr and not a host's address", () => {
            const outside = violationsAfter((f) => (f.clusters[IDC].controlPlane.vip = "10.11.0.10"));
            assertViolation(outside, "clusters[0].controlPlane.vip: 10.11.0.10 is outside network.nodeCidr 10.10.0.0/20");
            const taken = violationsAfter((f) => (f.clusters[IDC].controlPlane.vip = "10.10.1.12"));
            assertViolation(taken, "clusters[0].controlPlane.vip: 10.10.1.12 is the address of etcd.hosts[1]; the VIP must be free");
            const network = violationsAfter((f) => (f.clusters[IDC].controlPlane.vip = "10.10.0.0"));
            assertViolation(network, "clusters[0].controlPlane.vip: 10.10.0.0 is the network or broadcast address of network.nodeCidr 10.10.0.0/20");
            const broadcast = violationsAfter((f) => (f.clusters[IDC].workers[0].address = "10.10.15.255"));
            assertViolation(broadcast, "clusters[0].workers[0].address: 10.10.15.255 is the network or broadcast address of network.nodeCidr 10.10.0.0/20");
        });
        it("requires unique host names and addresses", () => {
            const v = violationsAfter((f) => {
                f.clusters[IDC].etcd.hosts[2].name = "cp-1";
                f.clusters[IDC].workers[0].address = "10.10.0.12";
            });
            assertViolation(v, "clusters[0].etcd.hosts[2].name: host name cp-1 is already used by controlPlane.hosts[0]");
            assertViolation(v, "clusters[0].workers[0].address: address 10.10.0.12 is already used by controlPlane.hosts[1]");
        });
        it("requires NVMe devices for etcd", () => {
            const v = violationsAfter((f) => (f.clusters[IDC].etcd.hosts[0].nvmeDevice = "/dev/sda"));
            assertViolation(v, "clusters[0].etcd.hosts[0].nvmeDevice: must be an NVMe block device like /dev/nvme0n1");
        });
    });

    describe("EKS and ACK clusters", () => {
        it("require 2 zones in prod", () => {
            const v = violationsAfter((f) => {
                f.clusters[EKS].zones = ["ap-northeast-1a"];
                f.clusters[ACK].zones = ["cn-shanghai-e"];
            });
            assertViolation(v, "clusters[1].zones: at least 2 zones in prod (got 1)");
            assertViolation(v, "clusters[2].zones: at least 2 zones in prod (got 1)");
            const twice = violationsAfter((f) => {
                f.clusters[EKS].zones = ["ap-northeast-1a", "ap-northeast-1a"];
                f.clusters[ACK].zones = ["cn-shanghai-e", "cn-shanghai-e"];
            });
            assertViolation(twice, "clusters[1].zones: zones must be distinct");
            assertViolation(twice, "clusters[2].zones: zones must be distinct");
        });
        it("require positive node pool limits", () => {
            const v = violationsAfter((f) => {
                f.clusters[EKS].karpenter.nodePools[0].limits.cpu = 0;
                f.clusters[ACK].nodePools[1].maxSize = 0;
                f.clusters[ACK].nodePools[2].minSize = 5;
                f.clusters[ACK].nodePools[2].maxSize = 4;
            });
            assertViolation(v, "clusters[1].karpenter.nodePools[0].limits.cpu: must be positive");
            assertViolation(v, "clusters[2].nodePools[1].maxSize: must be positive");
        });
        it("require minSize <= maxSize for ACK pools", () => {
            const v = violationsAfter((f) => (f.clusters[ACK].nodePools[2].minSize = 21));
            assertViolation(v, "clusters[2].nodePools[2].minSize: must not exceed maxSize (21 > 20)");
        });
        it("require unique Karpenter pool names per cluster", () => {
            const v = violationsAfter((f) => (f.clusters[EKS].karpenter.nodePools[1].name = "general"));
            assertViolation(v, "clusters[1].karpenter.nodePools[1].name: Karpenter pool name general is already used by karpenter.nodePools[0]");
        });
        it("keeps each site's metrics in its own cloud's store", () => {
            const v = violationsAfter((f) => (f.clusters[EKS].metrics.objectStore.kind = "oss"));
            assertViolation(v, "clusters[1].metrics.objectStore.kind: a eks cluster keeps its metrics in s3, not oss");
        });
    });

    it("reports every violation at once", () => {
        const v = violationsAfter((f) => {
            f.hub = "nope";
            f.clusters[IDC].etcd.hosts.pop();
            f.clusters[ACK].network.podCidr = "10.64.0.0/16";
            f.clusters[EKS].zones = ["ap-northeast-1a"];
        });
        assert.strictEqual(v.length, 4, v.join("\n"));
    });

    it("reports a wrong hub or link even when another field is malformed", () => {
        const v = violationsAfter((f) => {
            f.hub = "nope";
            f.links.push({ between: ["idc-sh", "elsewhere"], kind: "ipsec-vpn" });
            f.clusters[EKS].network.vpcCidr = "10.20.0.1/16"; // a shape error
        });
        assertViolation(v, "clusters[1].network.vpcCidr: must be an IPv4 CIDR network address (a.b.c.d/n, host bits zero)");
        assertViolation(v, "hub: nope is not the name of a cluster");
        assertViolation(v, "links[3].between[1]: elsewhere is not the name of a cluster");
    });

    it("never crashes on a randomly mutated spec: valid, or a clean list of `<path>: <rule>`", () => {
        const base = rawStackFleet("prod");
        const paths: (string | number)[][] = [];
        const collect = (value: unknown, at: (string | number)[]) => {
            paths.push(at);
            if (Array.isArray(value)) value.forEach((v, i) => collect(v, [...at, i]));
            else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) collect(v, [...at, k]);
        };
        collect(base, []);
        const replacement = fc.oneof(
            fc.constant(undefined),
            fc.constant(null),
            fc.integer({ min: -5, max: 300 }),
            fc.string({ maxLength: 12 }),
            fc.constantFrom("10.64.0.0/16", "10.10.0.0/20", "0.0.0.0/0", "10.0.0.0/8", "300.1.1.1/8", "10.10.0.10", "idc-sh", "ack-sh", "prod", "dev", "Push"),
            fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
            fc.constant({}),
        );
        const mutation = fc.record({
            at: fc.constantFrom(...paths.filter((p) => p.length > 0)),
            value: replacement,
            mode: fc.constantFrom("set", "delete", "duplicate"),
        });
        fc.assert(
            fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
                const fleet = structuredClone(base);
                for (const m of mutations) {
                    const parent = m.at.slice(0, -1).reduce<any>((o, k) => (o && typeof o === "object" ? o[k] : undefined), fleet);
                    if (!parent || typeof parent !== "object") continue;
                    const key = m.at[m.at.length - 1];
                    if (m.mode === "delete") {
                        if (Array.isArray(parent) && typeof key === "number") parent.splice(key, 1);
                        else delete parent[key];
                    } else if (m.mode === "duplicate" && Array.isArray(parent) && typeof key === "number") parent.push(structuredClone(parent[key]));
                    else parent[key] = m.value;
                }
                const result = parseFleet(fleet); // must not throw
                if (!result.ok) {
                    assert.ok(result.violations.length > 0);
                    for (const v of result.violations) assert.match(v, /^[^\s:]+: \S/, `not a clean violation: ${v}`);
                }
            }),
            { numRuns: 400, seed: 20261123 },
        );
    });
});
