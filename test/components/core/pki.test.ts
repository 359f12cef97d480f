// The PKI helper alone on the mock engine: what a CA and a signed certificate declare, their
// names, which of them are protected, and that no private key is ever plain text.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { CA_KEY_USAGES, certificateAuthority, ECDSA_P256, signedCertificate } from "../../../components/core/pki";
import { plainTextOccurrences, runProgram, SecretValue } from "../../harness";

const T = {
    key: "tls:index/privateKey:PrivateKey",
    selfSigned: "tls:index/selfSignedCert:SelfSignedCert",
    csr: "tls:index/certRequest:CertRequest",
    signed: "tls:index/locallySignedCert:LocallySignedCert",
};

describe("components/core: pki alone", () => {
    const options: Record<string, pulumi.ResourceOptions> = {};
    const run = () =>
        runProgram(() => {
            // The owner's transformations see every child's options as declared (the inventory does not record replacementTrigger).
            const record: pulumi.ResourceTransformation = (a) => {
                options[`${a.type}::${a.name}`] = a.opts;
                return undefined;
            };
            const owner = new pulumi.ComponentResource("test:pki:Owner", "o", {}, { transformations: [record] });
            const ca = certificateAuthority(
                "o-ca",
                { key: ECDSA_P256, subject: { commonName: "test CA" }, allowedUses: CA_KEY_USAGES, validityPeriodHours: 87600, maxPathLength: 1 },
                owner,
            );
            signedCertificate(
                "o-server",
                {
                    key: { algorithm: "RSA", rsaBits: 3072 },
                    ca,
                    subject: { commonName: "server" },
                    sans: { dnsNames: ["server.test"], ipAddresses: ["10.0.0.1"] },
                    allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
                    validityPeriodHours: 8760,
                    earlyRenewalHours: 720,
                },
                owner,
            );
            signedCertificate(
                { key: "o-sub", cert: "o-sub" },
                {
                    key: ECDSA_P256,
                    replacementTrigger: 3,
                    ca,
                    subject: { commonName: "sub CA" },
                    isCaCertificate: true,
                    maxPathLength: 0,
                    allowedUses: ["cert_signing"],
                    validityPeriodHours: 100,
                    earlyRenewalHours: 10,
                },
                owner,
            );
        });

    it("names key and certificate after the CA, under the owner, both protected", async () => {
        const inv = await run();
        const owner = inv.named("test:pki:Owner", "o").urn;
        const key = inv.named(T.key, "o-ca-key");
        const cert = inv.named(T.selfSigned, "o-ca-cert");
        for (const r of [key, cert]) {
            assert.strictEqual(r.parent, owner, r.name);
            assert.strictEqual(r.protect, true, `${r.name} is not protected`);
        }
        assert.deepStrictEqual(key.inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" });
        assert.ok(cert.inputs.privateKeyPem instanceof SecretValue, "the CA key reaches the certificate in plain text");
        assert.deepStrictEqual(
            { ...cert.inputs, privateKeyPem: "-" },
            {
                privateKeyPem: "-",
                subject: { commonName: "test CA" },
                isCaCertificate: true,
                maxPathLength: 1,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
                validityPeriodHours: 87600,
            },
        );
        assert.ok(cert.dependencies.includes(key.urn));
    });

    it("signs a leaf with the CA: key, request and certificate, none protected, the key secret everywhere", async () => {
        const inv = await run();
        const key = inv.named(T.key, "o-server-key");
        const csr = inv.named(T.csr, "o-server-csr");
        const cert = inv.named(T.signed, "o-server-cert");
        for (const r of [key, csr, cert]) assert.strictEqual(r.protect, false, r.name);
        assert.deepStrictEqual(key.inputs, { algorithm: "RSA", rsaBits: 3072 });
        assert.ok(csr.inputs.privateKeyPem instanceof SecretValue);
        assert.deepStrictEqual(csr.inputs.dnsNames, ["server.test"]);
        assert.deepStrictEqual(csr.inputs.ipAddresses, ["10.0.0.1"]);
        assert.ok(cert.inputs.caPrivateKeyPem instanceof SecretValue, "the CA key reaches the leaf in plain text");
        assert.deepStrictEqual(cert.inputs.allowedUses, ["digital_signature", "key_encipherment", "server_auth"]);
        assert.strictEqual(cert.inputs.earlyRenewalHours, 720);
        assert.ok(!("isCaCertificate" in cert.inputs) && !("maxPathLength" in cert.inputs), "a leaf says nothing about CA constraints");
        assert.ok(cert.dependencies.includes(csr.urn) && cert.dependencies.includes(inv.named(T.key, "o-ca-key").urn));
        for (const k of inv.ofType(T.key)) {
            const pem = (k.state as { privateKeyPem?: unknown }).privateKeyPem;
            if (typeof pem === "string") assert.deepStrictEqual(plainTextOccurrences(inv, pem), [], `${k.name}'s key is in plain text`);
        }
    });

    it("takes given names (request named like its key), an intermediate's constraints and the key's replacement trigger", async () => {
        const inv = await run();
        assert.ok(inv.named(T.key, "o-sub") && inv.named(T.csr, "o-sub"));
        const cert = inv.named(T.signed, "o-sub");
        assert.strictEqual(cert.inputs.isCaCertificate, true);
        assert.strictEqual(cert.inputs.maxPathLength, 0);
        assert.strictEqual(options[`${T.key}::o-sub`].replacementTrigger, 3);
        assert.strictEqual(options[`${T.key}::o-server-key`].replacementTrigger, undefined);
    });
});
