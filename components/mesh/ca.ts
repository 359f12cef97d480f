// hybrid:mesh:RootCa: the fleet's one root of trust for the mesh, and the intermediate CA each
// cluster's istiod signs workload certificates with (Istio "Plug in CA certificates"). Made with
// @pulumi/tls as Istio's tools/certs makes them: CA:true, the same key usages, the intermediate's
// SAN istiod.istio-system.svc. Keys are ECDSA P-256 (istiod accepts EC plug-in keys) and secrets
// from birth; the root's key and certificate are protected.
//
// Path length: @pulumi/tls (terraform-provider-tls common_cert.go) copies max_path_length into Go's
// x509.Certificate.MaxPathLen without MaxPathLenZero, and Go omits a zero path length then; an
// intermediate cannot carry `pathlen:0` from this provider. The root therefore carries
// `pathlen:1`: at most one CA below it, so an intermediate can sign only workloads.
import * as pulumi from "@pulumi/pulumi";
import { certificateAuthority, ECDSA_P256, type KeyPair, signedCertificate } from "../core/pki";
import { CA_USES, ISTIOD_SAN } from "./render";

const HOURS_PER_DAY = 24;
/** Re-issue an intermediate on the first `pulumi up` within 30 days of its expiry. */
const EARLY_RENEWAL_HOURS = 30 * HOURS_PER_DAY;

export interface RootCaArgs {
    meshId: string;
    validityDays: number;
}

export class MeshRootCa extends pulumi.ComponentResource {
    readonly certPem: pulumi.Output<string>;
    /** Secret. */
    readonly keyPem: pulumi.Output<string>;

    constructor(name: string, args: RootCaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:mesh:RootCa", name, {}, opts);
        const ca = certificateAuthority(
            name,
            {
                key: ECDSA_P256,
                subject: { organization: args.meshId, commonName: `${args.meshId} root CA` },
                maxPathLength: 1,
                allowedUses: CA_USES,
                validityPeriodHours: args.validityDays * HOURS_PER_DAY,
            },
            this,
        );
        this.keyPem = ca.keyPem;
        this.certPem = ca.certPem;
        this.registerOutputs({ certPem: this.certPem });
    }
}

export interface IntermediateCaArgs {
    cluster: string;
    meshId: string;
    root: { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string> };
    validityDays: number;
    /** Bumped in the spec to issue a new key and certificate. */
    generation: number;
}

export type IntermediateCa = KeyPair;

/**
 * One cluster's intermediate, declared under `parent` (the cluster's mesh component). Not
 * protected: rotating it is a spec change (mesh.caGeneration), which replaces key and certificate.
 */
export function intermediateCa(name: string, args: IntermediateCaArgs, parent: pulumi.Resource): IntermediateCa {
    return signedCertificate(
        name,
        {
            key: ECDSA_P256,
            replacementTrigger: args.generation,
            ca: args.root,
            // tools/certs: O, CN and L = the cluster; the generation makes a rotation a new request.
            subject: {
                organization: args.meshId,
                commonName: `${args.cluster} intermediate CA`,
                locality: args.cluster,
                organizationalUnit: `generation-${args.generation}`,
            },
            sans: { dnsNames: [ISTIOD_SAN] },
            isCaCertificate: true,
            // Intent as in tools/certs; see the file comment for what the provider writes.
            maxPathLength: 0,
            allowedUses: CA_USES,
            validityPeriodHours: args.validityDays * HOURS_PER_DAY,
            earlyRenewalHours: EARLY_RENEWAL_HOURS,
        },
        parent,
    );
}
