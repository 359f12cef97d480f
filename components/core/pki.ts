// Certificate authorities and the certificates they sign, made with @pulumi/tls: a CA is a private
// key and a self-signed certificate, a leaf a private key, a certificate request and a locally
// signed certificate. Every private key is a Pulumi secret from birth; a CA's key and certificate
// are protected (losing them means re-issuing, and re-distributing trust in, everything below).
// The callers name the resources (their URNs are part of the state) and choose key type, subject,
// usages and lifetimes.
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** The key types the fleet uses: ECDSA P-256 where the consumer takes it, RSA where it does not. */
export type KeyAlgorithm = { algorithm: "ECDSA"; ecdsaCurve: "P256" } | { algorithm: "RSA"; rsaBits: number };
export const ECDSA_P256: KeyAlgorithm = { algorithm: "ECDSA", ecdsaCurve: "P256" };

/** A CA's usual key usages (X.509 keyCertSign, cRLSign, digitalSignature, keyEncipherment). */
export const CA_KEY_USAGES = ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"] as const;

export interface KeyPair {
    certPem: pulumi.Output<string>;
    /** Secret. */
    keyPem: pulumi.Output<string>;
}

export interface CertificateAuthority extends KeyPair {
    /** The CA key's public half, for pins such as kubeadm's discovery-token-ca-cert-hash. */
    publicKeyPem: pulumi.Output<string>;
}

/**
 * The resource names of one key pair: a string `n` stands for `n-key`, `n-csr` and `n-cert`;
 * otherwise each is given (a CA has no csr).
 */
export type PkiNames = string | { key: string; csr?: string; cert: string };

function namesOf(names: PkiNames): { key: string; csr: string; cert: string } {
    if (typeof names === "string") return { key: `${names}-key`, csr: `${names}-csr`, cert: `${names}-cert` };
    return { key: names.key, csr: names.csr ?? names.key, cert: names.cert };
}

export interface AuthorityArgs {
    key: KeyAlgorithm;
    subject: tls.types.input.SelfSignedCertSubject;
    allowedUses: readonly string[];
    validityPeriodHours: number;
    /** How many CAs may stand below this one; unset, no limit. */
    maxPathLength?: number;
}

/** A CA under `parent`: key and self-signed certificate, both protected. */
export function certificateAuthority(names: PkiNames, args: AuthorityArgs, parent: pulumi.Resource): CertificateAuthority {
    const n = namesOf(names);
    const key = new tls.PrivateKey(n.key, { ...args.key }, { parent, protect: true });
    const keyPem = pulumi.secret(key.privateKeyPem);
    const cert = new tls.SelfSignedCert(
        n.cert,
        {
            privateKeyPem: keyPem,
            subject: args.subject,
            isCaCertificate: true,
            ...(args.maxPathLength !== undefined ? { maxPathLength: args.maxPathLength } : {}),
            allowedUses: [...args.allowedUses],
            validityPeriodHours: args.validityPeriodHours,
        },
        { parent, protect: true },
    );
    return { certPem: cert.certPem, keyPem, publicKeyPem: key.publicKeyPem };
}

export interface SignedCertArgs {
    key: KeyAlgorithm;
    /** A change of this value replaces the key (and so the request and certificate): a rotation. */
    replacementTrigger?: pulumi.Input<unknown>;
    ca: { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string> };
    subject: tls.types.input.CertRequestSubject;
    sans?: { dnsNames?: string[]; ipAddresses?: string[] };
    allowedUses: readonly string[];
    validityPeriodHours: number;
    /** Re-issue on the first `pulumi up` this many hours before expiry. */
    earlyRenewalHours: number;
    /** An intermediate CA signed by `ca`. */
    isCaCertificate?: boolean;
    maxPathLength?: number;
}

/** A key, its certificate request and the certificate `ca` signs for it, under `parent`. Not protected: re-issuing is cheap. */
export function signedCertificate(names: PkiNames, args: SignedCertArgs, parent: pulumi.Resource): KeyPair {
    const n = namesOf(names);
    const keyOpts: pulumi.CustomResourceOptions = { parent, ...(args.replacementTrigger !== undefined ? { replacementTrigger: args.replacementTrigger } : {}) };
    const key = new tls.PrivateKey(n.key, { ...args.key }, keyOpts);
    const keyPem = pulumi.secret(key.privateKeyPem);
    const csr = new tls.CertRequest(n.csr, { privateKeyPem: keyPem, subject: args.subject, ...args.sans }, { parent });
    const cert = new tls.LocallySignedCert(
        n.cert,
        {
            certRequestPem: csr.certRequestPem,
            caCertPem: args.ca.certPem,
            caPrivateKeyPem: args.ca.keyPem,
            ...(args.isCaCertificate !== undefined ? { isCaCertificate: args.isCaCertificate } : {}),
            ...(args.maxPathLength !== undefined ? { maxPathLength: args.maxPathLength } : {}),
            allowedUses: [...args.allowedUses],
            validityPeriodHours: args.validityPeriodHours,
            earlyRenewalHours: args.earlyRenewalHours,
        },
        { parent },
    );
    return { certPem: cert.certPem, keyPem };
}
