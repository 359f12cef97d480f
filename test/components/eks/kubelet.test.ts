// The EKS nodes' kubelet settings in their user data: nodeadm's NodeConfig against its upstream CRD,
// the managed node group's MIME archive around it, Bottlerocket's settings, and which one an
// EC2NodeClass takes. test/integration/eks-user-data.test.ts reads the same with Python's MIME and
// TOML parsers.
import * as assert from "assert";
import { parse } from "yaml";
import { al2023UserData, bottlerocketSettings, karpenterUserData, nodeadmConfig } from "../../../components/eks/kubelet";
import { validateCustomResource } from "../../crds";

const hardened = { seccompDefault: true, podPidsLimit: 4096, shutdownGracePeriodSeconds: 30, shutdownGracePeriodCriticalPodsSeconds: 10 };
const relaxed = { seccompDefault: false, podPidsLimit: 16384, shutdownGracePeriodSeconds: 0, shutdownGracePeriodCriticalPodsSeconds: 0 };
/** The KubeletConfiguration fields each stands for (k8s.io/kubelet config/v1beta1; the periods are durations). */
const asKubeletConfig = (k: typeof hardened) => ({
    seccompDefault: k.seccompDefault,
    podPidsLimit: k.podPidsLimit,
    shutdownGracePeriod: `${k.shutdownGracePeriodSeconds}s`,
    shutdownGracePeriodCriticalPods: `${k.shutdownGracePeriodCriticalPodsSeconds}s`,
});

describe("components/eks/kubelet: the nodes' kubelet settings in their user data", () => {
    /**
     * The CRD (amazon-eks-ami v20260724) checks the NodeConfig's shape. Its schema types each
     * `kubelet.config` value as an object: controller-gen's rendering of the Go field,
     * `map[string]runtime.RawExtension` (nodeadm/api/v1alpha1/nodeconfig_types.go), which nodeadm decodes
     * from any JSON value; nodeadm's own documented example (`maxPods: 42`) fails it the same way. So the
     * values are set aside for the schema and checked as the KubeletConfiguration fields they are
     * (k8s.io/kubelet config/v1beta1: `seccompDefault *bool`, `podPidsLimit *int64`, the shutdown periods
     * `metav1.Duration`).
     */
    const schemaErrors = (config: any) => validateCustomResource({ ...config, spec: { kubelet: { ...config.spec.kubelet, config: {} } } });

    it("nodeadm's NodeConfig holds exactly the settings as KubeletConfiguration fields, its shape valid against nodeadm's CRD", () => {
        for (const k of [hardened, relaxed]) {
            const config = parse(nodeadmConfig(k));
            assert.deepStrictEqual(config, { apiVersion: "node.eks.aws/v1alpha1", kind: "NodeConfig", spec: { kubelet: { config: asKubeletConfig(k) } } });
            assert.deepStrictEqual(schemaErrors(config), []);
            assert.strictEqual(typeof config.spec.kubelet.config.seccompDefault, "boolean");
            assert.ok(Number.isSafeInteger(config.spec.kubelet.config.podPidsLimit));
            for (const d of ["shutdownGracePeriod", "shutdownGracePeriodCriticalPods"] as const) assert.match(config.spec.kubelet.config[d], /^\d+s$/, d);
        }
        // Why the values are set aside: the schema refuses nodeadm's own example's scalar too.
        const documented = { apiVersion: "node.eks.aws/v1alpha1", kind: "NodeConfig", spec: { kubelet: { config: { maxPods: 42 } } } };
        assert.match(validateCustomResource(documented).join("\n"), /\/spec\/kubelet\/config\/maxPods must be object/);
    });

    it("the CRD check is not vacuous: a kubelet block of the wrong shape is refused", () => {
        const broken = parse(nodeadmConfig(hardened));
        broken.spec.kubelet.flags = "--seccomp-default";
        assert.notDeepStrictEqual(schemaErrors(broken), []);
    });

    it("the managed node group's user data is one MIME part of type application/node.eks.aws holding that NodeConfig", () => {
        const text = al2023UserData(hardened);
        const boundary = /^Content-Type: multipart\/mixed; boundary="([^"]+)"$/m.exec(text)?.[1];
        assert.ok(text.startsWith("MIME-Version: 1.0\n") && boundary, text);
        const [preamble, part, rest] = text.split(new RegExp(`^--${boundary}(?:--)?$`, "m"));
        assert.strictEqual(preamble.trim().split("\n").length, 2, "the two headers, then the parts");
        assert.strictEqual(rest, "\n", "the closing delimiter ends the archive");
        const [headers, body] = part.replace(/^\n/, "").split("\n\n");
        assert.strictEqual(headers, "Content-Type: application/node.eks.aws");
        assert.deepStrictEqual(parse(body), parse(nodeadmConfig(hardened)));
        assert.ok(!nodeadmConfig(hardened).includes(boundary), "the boundary never occurs in a part");
    });

    it("Bottlerocket takes settings.kubernetes.seccomp-default, pod-pids-limit and the shutdown periods; an EC2NodeClass takes the form its AMI reads", () => {
        assert.strictEqual(
            bottlerocketSettings(hardened),
            '[settings.kubernetes]\nseccomp-default = true\npod-pids-limit = 4096\nshutdown-grace-period = "30s"\nshutdown-grace-period-for-critical-pods = "10s"\n',
        );
        assert.strictEqual(karpenterUserData("bottlerocket@v1.50.0", relaxed), bottlerocketSettings(relaxed));
        assert.strictEqual(karpenterUserData("al2023@v20260903", relaxed), nodeadmConfig(relaxed));
    });
});
