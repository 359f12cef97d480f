// What the fleet tells the links to let in: derived from the layers' own needs (mesh members,
// federation sync modes and hub, monitoring's hub), per site kind, and merged into rules.
import * as assert from "assert";
import { ingressPorts } from "../../components/links/ingress";
import { ingressNeeds } from "../../stacks/links";
import { loadStackSpec } from "../harness";

const summary = (spec: ReturnType<typeof loadStackSpec>) =>
    ingressNeeds(spec)
        .map((n) => `${n.site}:${n.port}<-${n.from.site}`)
        .sort();

describe("links ingress needs", () => {
    it("prod: the EKS API from both other sites, ACK's east-west gateway from both and its Thanos gRPC from the hub", () => {
        assert.deepStrictEqual(summary(loadStackSpec("prod")), [
            "ack-sh:10901<-idc-sh",
            "ack-sh:15443<-eks-apne1",
            "ack-sh:15443<-idc-sh",
            // Mesh (istiod) from both; federation Push from the hub idc-sh.
            "eks-apne1:443<-ack-sh",
            "eks-apne1:443<-idc-sh",
            "eks-apne1:443<-idc-sh",
        ]);
    });

    it("states nothing for a cluster out of the mesh, nor where a cloud controller opens NodePorts (ACK with Flannel)", () => {
        const spec = loadStackSpec("prod");
        spec.clusters[2].mesh.enabled = false;
        assert.ok(!summary(spec).some((s) => s.startsWith("ack-sh:15443") || s.endsWith("<-ack-sh")), summary(spec).join("\n"));
        const flannel = loadStackSpec("prod");
        const ack = flannel.clusters[2];
        assert.ok(ack.provider === "ack");
        ack.network.cni = "flannel";
        assert.deepStrictEqual(
            summary(flannel).filter((s) => s.startsWith("ack-sh")),
            [],
        );
    });

    it("opens no API rule on an EKS cluster whose endpoint is public only", () => {
        const spec = loadStackSpec("dev");
        const eks = spec.clusters.find((c) => c.provider === "eks")!;
        assert.ok(eks.provider === "eks");
        assert.ok(summary(spec).some((s) => s.startsWith(`${eks.name}:443`)));
        eks.endpoint.privateAccess = false;
        assert.ok(!summary(spec).some((s) => s.startsWith(`${eks.name}:443`)), summary(spec).join("\n"));
    });

    it("opens karmada-apiserver (5443) on an ACK hub to its Pull members", () => {
        const spec = loadStackSpec("prod");
        spec.hub = "ack-sh";
        spec.clusters[1].federation.syncMode = "Pull";
        assert.ok(summary(spec).includes("ack-sh:5443<-eks-apne1"), summary(spec).join("\n"));
    });

    it("merges needs into one rule per port, its sources every dialling prefix (with its site) and every purpose", () => {
        const ports = ingressPorts(ingressNeeds(loadStackSpec("prod")), "eks-apne1");
        assert.deepStrictEqual(
            ports.map((p) => [p.port, p.sources.map((s) => `${s.cidr}<-${s.site}`), p.purposes.length]),
            [[443, ["10.10.0.0/20<-idc-sh", "10.30.0.0/16<-ack-sh", "10.64.0.0/16<-idc-sh", "10.66.0.0/16<-ack-sh"], 3]],
        );
    });
});
