/*
 * decrypt.h - the decryption stage (issue [2/8]): a bm_tls_hook that opens
 * every protected record with the key material it can find, verifies both
 * Finished messages, reads the alerts hidden under encryption, and writes
 * its findings into bm_conn.crypto (and corrects alerts, failed, fatal_from
 * and the suspect record) when the connection closes.
 *
 * Keys, by connection: TLS <= 1.2 - key log CLIENT_RANDOM, else an RSA key
 * matching the server certificate (or the only RSA key loaded) decrypting
 * the ClientKeyExchange, else a key log "RSA" premaster line, else a PSK
 * (plain PSK suites), else a resumed session's master secret learnt earlier
 * in the run; TLS 1.3 - the key log's traffic secrets.
 *
 * Memory: per connection a handshake transcript (at most
 * BM_DEC_TRANSCRIPT_CAP, freed once both Finished are checked), one
 * reassembly buffer per direction, one bm_rec per direction and epoch.
 * One plaintext buffer for the whole stage: nothing is allocated per record.
 * Single-threaded, like the TLS stage it hooks into.
 */
#ifndef BM_DECRYPT_DECRYPT_H
#define BM_DECRYPT_DECRYPT_H

#include "../crypto/crypto.h"
#include "../crypto/rsa.h"
#include "../keys/keystore.h"
#include "../tls/hook.h"
#include "../util/diag.h"

#define BM_DEC_TRANSCRIPT_CAP (256u * 1024u)
/* Sequence numbers tried after a capture gap ("records lost in the gap"). */
#define BM_DEC_GAP_TRIES 16

typedef struct bm_decrypt bm_decrypt;

/* cc, ks and diag are borrowed and MUST outlive the stage; rsa may be NULL.
 * NULL on allocation failure. */
bm_decrypt *bm_decrypt_new(bm_crypto_ctx *cc, bm_keystore *ks, const bm_rsa_keys *rsa, bm_diag *diag);
/* The hook to install with bm_tls_set_hook (valid as long as the stage). */
const bm_tls_hook *bm_decrypt_hook(bm_decrypt *d);
void bm_decrypt_free(bm_decrypt *d);

#endif
