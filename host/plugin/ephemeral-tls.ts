// Ephemeral mutual-TLS material for one TCP launch: a fresh CA, a server certificate for the
// plugin (localhost, 127.0.0.1) and a client certificate for the host, all signed by that CA and
// held in memory only. The CA is new for every launch, so a certificate authenticates one host
// and one plugin to each other and nothing else, and dies with them.
import { generateKeyPair, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import forge from "node-forge";

/** A certificate and its private key, both PEM. */
export interface CertifiedKey {
  cert: string;
  key: string;
}

/** Everything both ends of one TCP launch need, PEM-encoded. */
export interface EphemeralTls {
  /** The CA certificate both sides trust (and only for this launch). */
  ca: string;
  /** The plugin's server certificate: SAN DNS:localhost and IP:127.0.0.1. */
  server: CertifiedKey;
  /** The host's client certificate, which the plugin requires. */
  client: CertifiedKey;
}

/** The name the host checks the plugin's certificate against (it dials 127.0.0.1). */
export const EPHEMERAL_SERVER_NAME = "localhost";

// Valid from five minutes ago (a certificate "not yet valid" by a second is a confusing failure)
// for ten years: grpc-js reconnects with the same certificates for as long as the launch lives,
// and the keys never leave the two processes, so a long validity adds no exposure.
const VALID_FROM_MS = -5 * 60_000;
const VALID_FOR_MS = 10 * 365 * 24 * 3600_000;

const generateRsa = promisify(generateKeyPair);

/** Generates a fresh CA, server and client certificate; keys are made natively, off the event loop. */
export async function createEphemeralTls(options: { commonName?: string } = {}): Promise<EphemeralTls> {
  const name = options.commonName ?? "cghost plugin";
  // RSA 2048: the smallest size every TLS stack's default security level accepts, and what
  // node-forge can sign (it has no ECDSA).
  const [caKeys, serverKeys, clientKeys] = await Promise.all([newKeyPair(), newKeyPair(), newKeyPair()]);
  const caName = [{ name: "commonName", value: `${name} ephemeral CA` }];
  const caCert = certificate({
    subject: caName,
    issuer: caName,
    publicKey: caKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const leaf = (commonName: string, purpose: "serverAuth" | "clientAuth", extra: object[]): string =>
    certificate({
      subject: [{ name: "commonName", value: commonName }],
      issuer: caName,
      publicKey: purpose === "serverAuth" ? serverKeys.publicKey : clientKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        { name: "basicConstraints", cA: false, critical: true },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", [purpose]: true },
        ...extra,
      ],
    });
  return {
    ca: caCert,
    server: {
      cert: leaf(EPHEMERAL_SERVER_NAME, "serverAuth", [
        // type 2 is a DNS name, type 7 an IP address (RFC 5280 GeneralName).
        { name: "subjectAltName", altNames: [{ type: 2, value: EPHEMERAL_SERVER_NAME }, { type: 7, ip: "127.0.0.1" }] },
      ]),
      key: serverKeys.privateKeyPem,
    },
    client: { cert: leaf(`${name} host`, "clientAuth", []), key: clientKeys.privateKeyPem },
  };
}

interface KeyPair {
  publicKey: forge.pki.PublicKey;
  privateKey: forge.pki.rsa.PrivateKey;
  privateKeyPem: string;
}

async function newKeyPair(): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateRsa("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { publicKey: forge.pki.publicKeyFromPem(publicKey), privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, privateKeyPem: privateKey };
}

function certificate(spec: {
  subject: forge.pki.CertificateField[];
  issuer: forge.pki.CertificateField[];
  publicKey: forge.pki.PublicKey;
  signingKey: forge.pki.rsa.PrivateKey;
  extensions: object[];
}): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = spec.publicKey;
  // A positive 16-byte serial (the top bit clear), random so no two launches share one.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString("hex");
  const now = Date.now();
  cert.validity.notBefore = new Date(now + VALID_FROM_MS);
  cert.validity.notAfter = new Date(now + VALID_FOR_MS);
  cert.setSubject(spec.subject);
  cert.setIssuer(spec.issuer);
  cert.setExtensions(spec.extensions);
  cert.sign(spec.signingKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
