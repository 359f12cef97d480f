// The cluster's certificate authorities and certificates, made with @pulumi/tls: the etcd CA
// with a server and a peer certificate per member, etcdctl's and the API server's etcd client
// certificates, the Kubernetes CA (kubeadm uses it as is) with the admin client certificate, and
// the CA of the kubelets' serving certificates.
// Private keys are Pulumi secrets from birth; the CA keys and certificates are protected.
import * as pulumi from "@pulumi/pulumi";
import { CA_KEY_USAGES, certificateAuthority, type CertificateAuthority, ECDSA_P256, type KeyPair as IssuedCert, signedCertificate } from "../core/pki";
import type { HostSpec } from "./host";

/** kubeadm's lifetimes: CAs 10 years, leaf certificates 1 year (kubeadm docs, "Certificate Management with kubeadm"). */
const CA_HOURS = 10 * 365 * 24;
const LEAF_HOURS = 365 * 24;
/** Re-issue on the first `pulumi up` within 30 days of expiry. */
const EARLY_RENEWAL_HOURS = 30 * 24;

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
    /**
     * Signs the kubelets' serving certificates (kube-controller-manager's kubernetes.io/kubelet-serving
     * signer) in place of the Kubernetes CA: a kubelet certificate signed by the CA every API client
     * trusts would pass for the API server's if it named the server's address.
     */
    readonly kubeletServingCa: CertificateAuthority;
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
        this.kubeletServingCa = this.authority(`${name}-kubelet-serving-ca`, `${args.cluster}-kubelet-serving-ca`);
        // kubeadm binds the group kubeadm:cluster-admins to cluster-admin (kubeadm >= 1.29).
        this.admin = this.issue(`${name}-admin`, this.kubernetesCa, { commonName: `${args.cluster}-admin`, organizations: ["kubeadm:cluster-admins"] }, client);

        this.registerOutputs({ etcdCaCert: this.etcdCa.certPem, kubernetesCaCert: this.kubernetesCa.certPem });
    }

    private authority(name: string, commonName: string): CertificateAuthority {
        return certificateAuthority(name, { key: ECDSA_P256, subject: { commonName }, allowedUses: CA_KEY_USAGES, validityPeriodHours: CA_HOURS }, this);
    }

    private issue(
        name: string,
        ca: CertificateAuthority,
        subject: { commonName: string; organizations?: string[] },
        allowedUses: string[],
        sans: { dnsNames?: string[]; ipAddresses?: string[] } = {},
    ): IssuedCert {
        return signedCertificate(
            name,
            { key: ECDSA_P256, ca, subject, sans, allowedUses, validityPeriodHours: LEAF_HOURS, earlyRenewalHours: EARLY_RENEWAL_HOURS },
            this,
        );
    }
}
