// The cluster's certificate authorities and certificates, made with @pulumi/tls: the etcd CA
// with a server and a peer certificate per member, etcdctl's and the API server's etcd client
// certificates, and the Kubernetes CA (kubeadm uses it as is) with the admin client certificate.
// Private keys are Pulumi secrets from birth; the CA keys and certificates are protected.
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { HostSpec } from "./host";

/** kubeadm's lifetimes: CAs 10 years, leaf certificates 1 year (kubeadm docs, "Certificate Management with kubeadm"). */
const CA_HOURS = 10 * 365 * 24;
const LEAF_HOURS = 365 * 24;
/** Re-issue on the first `pulumi up` within 30 days of expiry. */
const EARLY_RENEWAL_HOURS = 30 * 24;

export interface IssuedCert {
    certPem: pulumi.Output<string>;
    /** Secret. */
    keyPem: pulumi.Output<string>;
}

export interface CertificateAuthority extends IssuedCert {
    /** The CA key's public half, for pins such as kubeadm's discovery-token-ca-cert-hash. */
    publicKeyPem: pulumi.Output<string>;
}

export interface PkiArgs {
    cluster: string;
    etcdMembers: HostSpec[];
}

export class ClusterPki extends pulumi.ComponentResource {
    readonly etcdCa: CertificateAuthority;
    readonly etcdServer: Record<string, IssuedCert> = {};
    readonly etcdPeer: Record<string, IssuedCert> = {};
    /** etcdctl on the etcd hosts (health, backups, defragmentation). */
    readonly etcdctl: IssuedCert;
    /** kube-apiserver -> etcd (kubeadm's apiserver-etcd-client). */
    readonly apiserverEtcdClient: IssuedCert;
    readonly kubernetesCa: CertificateAuthority;
    /** The admin kubeconfig's client certificate. */
    readonly admin: IssuedCert;

    constructor(name: string, args: PkiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:idc:ClusterPki", name, {}, opts);
        this.etcdCa = this.authority(`${name}-etcd-ca`, `${args.cluster}-etcd-ca`);
        for (const m of args.etcdMembers) {
            const sans = { dnsNames: [m.name, "localhost"], ipAddresses: [m.address, "127.0.0.1"] };
            // Server and peer certificates serve and present themselves as clients, as kubeadm's etcd certificates do.
            const uses = ["digital_signature", "key_encipherment", "server_auth", "client_auth"];
            this.etcdServer[m.name] = this.issue(`${name}-etcd-${m.name}-server`, this.etcdCa, { commonName: m.name }, uses, sans);
            this.etcdPeer[m.name] = this.issue(`${name}-etcd-${m.name}-peer`, this.etcdCa, { commonName: m.name }, uses, sans);
        }
        const client = ["digital_signature", "key_encipherment", "client_auth"];
        this.etcdctl = this.issue(`${name}-etcdctl`, this.etcdCa, { commonName: `${args.cluster}-etcdctl` }, client);
        this.apiserverEtcdClient = this.issue(`${name}-apiserver-etcd-client`, this.etcdCa, { commonName: "kube-apiserver-etcd-client" }, client);

        this.kubernetesCa = this.authority(`${name}-kubernetes-ca`, "kubernetes");
        // kubeadm binds the group kubeadm:cluster-admins to cluster-admin (kubeadm >= 1.29).
        this.admin = this.issue(`${name}-admin`, this.kubernetesCa, { commonName: `${args.cluster}-admin`, organizations: ["kubeadm:cluster-admins"] }, client);

        this.registerOutputs({ etcdCaCert: this.etcdCa.certPem, kubernetesCaCert: this.kubernetesCa.certPem });
    }

    /** A CA: key and self-signed certificate, both protected (losing them means re-issuing every certificate). */
    private authority(name: string, commonName: string): CertificateAuthority {
        const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this, protect: true });
        const cert = new tls.SelfSignedCert(
            `${name}-cert`,
            {
                privateKeyPem: pulumi.secret(key.privateKeyPem),
                subject: { commonName },
                isCaCertificate: true,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
                validityPeriodHours: CA_HOURS,
            },
            { parent: this, protect: true },
        );
        return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem), publicKeyPem: key.publicKeyPem };
    }

    private issue(
        name: string,
        ca: CertificateAuthority,
        subject: { commonName: string; organizations?: string[] },
        allowedUses: string[],
        sans: { dnsNames?: string[]; ipAddresses?: string[] } = {},
    ): IssuedCert {
        const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const keyPem = pulumi.secret(key.privateKeyPem);
        const csr = new tls.CertRequest(`${name}-csr`, { privateKeyPem: keyPem, subject, ...sans }, { parent: this });
        const cert = new tls.LocallySignedCert(
            `${name}-cert`,
            {
                certRequestPem: csr.certRequestPem,
                caCertPem: ca.certPem,
                caPrivateKeyPem: ca.keyPem,
                allowedUses,
                validityPeriodHours: LEAF_HOURS,
                earlyRenewalHours: EARLY_RENEWAL_HOURS,
            },
            { parent: this },
        );
        return { certPem: cert.certPem, keyPem };
    }
}
