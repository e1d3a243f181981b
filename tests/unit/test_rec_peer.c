/* Real-peer cross-check: three TLS 1.2/1.0 connections between OpenSSL
 * 3.0.19's s_client and s_server on 127.0.0.1 (RSA key exchange with
 * AES128-SHA, OpenSSL's defaults: extended master secret and, for CBC,
 * encrypt-then-MAC; and ECDHE-RSA-AES128-GCM-SHA256), captured with
 * tcpdump, the TCP payload of each direction kept as hex below with the
 * client's -keylogfile lines (RSA premaster, CLIENT_RANDOM master secret;
 * throwaway keys made for this test). From the premaster alone the test
 * rebuilds the master secret, the keys, opens the Finished and application
 * records and verifies both Finished messages. */
#include "tap.h"
#include "crypto/rec.h"
#include "wire/cur.h"

static const char tls12cbc_c[] =
    "160301006b010000670303c61c02ea8d00ed4aa489e2fc6cfbe5de8e6ec91bf414cabcb39b8f5fa550cac5000004002f"
    "00ff0100003a002300000016000000170000000d002a0028040305030603080708080809080a080b0804080508060401"
    "050106010303030103020402050206021603030106100001020100542ff0b9c349318f94bbefc58da2f8c4d62664b613"
    "6455dbde43015470110c535d51795984d519a0f9e3df0d421ae3508e7d950d09b2366ffacdf744d408d3dc115efac286"
    "5215eb911378b319a0813e3283fe88ae4f6e0fb2baa79566fc71bb7cf84635d1ad3257a9a2ba51d92cfbcf2265dd336e"
    "9349c23c734566e2a710cddb69ed448662b89af8821c07a3917be941c232cc3e49291b3e4ba249811fac211e924fc926"
    "1f72a52728acd511b1a225af58f09a85af20089ff31ce5a9e2cb74afc4c7944118651de4795ed7a1f90e3b1865283256"
    "780e0e703faadbd2522663cbcfcc06e32ba76b97367caf2b47c4f61ee26a63436a87f167ffe37f30011cc91403030001"
    "01160303004428d2926fd0c9a6e6faf8ef5e6fc87af5daf0c936c208f00f809973db127adf40a17bbd0c72292ad2bf34"
    "66a3d90d89273e0b92e353543a4afed9673de2a61f331004df0215030300345ef0520ef9ba0fb7184fbe1ef87def4a2c"
    "76bf154b1074b984d929b3be606a0a6c7ef5380d4357570c8e843f22cdb4fbc12e8518";
static const char tls12cbc_s[] =
    "160303003d0200003903036ce49d4daec9fb571e8900ecdfd12b20bfcb0c4db230a23c444f574e4752440100002f0000"
    "11ff0100010000230000001600000017000016030303070b0003030003000002fd308202f9308201e1a0030201020214"
    "4a142ce4823d8f6eee082baa7a2cda24408da5cc300d06092a864886f70d01010b0500300c310a300806035504030c01"
    "74301e170d3236313132323232323935335a170d3236313132343232323935335a300c310a300806035504030c017430"
    "820122300d06092a864886f70d01010105000382010f003082010a02820101009c67a1890c0ce8e3919333a2686d97c5"
    "0c48922d7e61ac90c9116984164cc896343db57a9a5c0b168620708b6392a3ad6f7b99fa6a5b540229000cba2defecf4"
    "be80e5e216ea453682db6f982a5320f90a84b6a12efe60ca3b1713d81b222b6d60fede661814cf24d84fa33d35a1061d"
    "0c41e3ff5bebbb1d26c6bde34a96ff5ae021b3bb431823bc840a0b61475ff60c319532d267dd61f086cce83748fc3224"
    "b40a803cda94870a8d7cc8f8aadd736101bba3751bfc1933b95a4473e58a45c7e6f84c64315449d4a55c2e3a9777b061"
    "f2402d2ffa764852c26d62ab3e04b38f50af0d258349db32defddb856fe9beda4ae16671871cc836686c09e514821eaf"
    "0203010001a3533051301d0603551d0e041604147c21ac754d00f8491370508aa5faa77e567dc7cf301f0603551d2304"
    "18301680147c21ac754d00f8491370508aa5faa77e567dc7cf300f0603551d130101ff040530030101ff300d06092a86"
    "4886f70d01010b050003820101007f97a0e5e8a8107a746f6d7762037069be5246f46e39a4a50e177d28caadd928dd18"
    "07b375214b4bd21563afd84f1961790aba3f2fb1601fd0dd848fba63069bc75daf194f4f549e1f33552d0024cd86b735"
    "f74930244437d1c4969987053e78ceef29b5fc34cba59413d183f64f8c6bf69e28d1182070b5fd8bfaaed447681deeed"
    "f77b417133d9cca37e8536623131b35ad5599319d195af78d391914b7ca35e499da764172156fab1edcace98ceef04ad"
    "ea6e167a89b975d097baa9d704508f7d5095dcb0cd47e0ace977480d880c512a857896574515a958609d5f5c41e73706"
    "2233075c734b7269638be776f60f63fbfceb7be3f437dc1ce17997e03a8f16030300040e00000016030300ba040000b6"
    "00001c2000b0c1ff3e1b544473b90b2d2dc87c53a80b48d156aa56f580c7ef510d678a6254d5ba88c265d42b1f7e0fad"
    "9feea8f7fd3264256452593a50376be4839699abd0f5ec40a60ce2784cd743020a774e09d56f70ac64512c74509df6a3"
    "3a232b312fc2a57a5f94ffa565c14bbb07c714a8e5904810a469abd06ca69346bde71a85f0a8377809f8d758882dc1e6"
    "09aa64e0489d1fc62cb47aa347197da35a13ba2ffd47da528ee16db9dc342acb9e133608e4c214030300010116030300"
    "44b823239d74a6eed8c0816c45371ffd3cc50493198dd33e474c65dbf0dfe55d31d9612d5d09b83cc2f605fd31304a4d"
    "3bd7b00c08940aab048082f729343c1eaf791e4a271503030034ba0f8ba8f515043fb8925710b62ef6f52b69fb96632a"
    "7a23a69cac0acad1c9933ec003dbbd3cf1d7e7d0655b4488ce92e7b50f70";
static const char tls12cbc_pms[] = "0303d2e2bb7fba2453e73be6046f047f551f648e5654f50527efae7b6657d89ee19dabd3d58d7a4eb10f24eb8f1dd693";
static const char tls12cbc_ms[] = "a0fd068dfa079facb2804215ca72d0217855b293c47ec3d446d74ffdea0a9eb054b9636128392ee2efcb2440f99140a7";
static const char tls10cbc_c[] =
    "160301003d010000390301189b43fcabd5aa22888153f039fd6230d6ba2faca8d316a353e56e02b3f0dd5d000004002f"
    "00ff0100000c00230000001600000017000016030101061000010201009a6fee0ba38af03a519a8afb4a3986c52d9d90"
    "66583db8af57b1afa939bbb7455182b2f4a57e22d2896f6d6322fbc82fb60eebfaddd1d68b349198f842b18535e053a1"
    "56b514fc27e8aaaf0ddca7ee169535e23cc595cf380bc63da12069f5f766a8328843019e1213ba2605883690b9e9a4d1"
    "dc5128b1617acadcc8ea07631927bc5f05b59219a05a527ccc620a8c140fdc8fbc177315a1326c2be3df522ab4117d3b"
    "a4c9de5d0742ed55ba511e28001c7efb1fac7cf90f823375382c45b414e5372426fe2a45a17137e2e9f2a72e3a23b95c"
    "59f58cb46c5abc74d6d538cc1a31fe428b44edc02a8b95d5f973c29b1b1355b8d65c219e58a04e073845e6d3c3140301"
    "0001011603010034d35bef29867b4eb1714908faae122baf7b8002a0f364dc62944c4c7b32b2eb9d1be1592818fbf055"
    "c41410da0139cd1065c338671703010024404ddaf050ea744b70c21ff2098853a13d437c9790ae5ab1c045a63b2c7f7c"
    "22ce3c79fc170301004422d022ef10a4d754b1236d754b8e109e74e378c74abcb4547520e45b8fabaf98901294a9e680"
    "a01a07fd0adfc21bca13d60546f20d7922eed1dd33a97cb0109179aabeba1503010024fcdb39c3c1f50fc9882a268a95"
    "209d1f30185864e8ea295b19035df11338bd3ae3e4f49c";
static const char tls10cbc_s[] =
    "160301003d020000390301d1d1d77aac03d0d9bd8c32d89788ae516ce81eec54796441dc4056af8219a13800002f0000"
    "11ff0100010000230000001600000017000016030103070b0003030003000002fd308202f9308201e1a0030201020214"
    "4a142ce4823d8f6eee082baa7a2cda24408da5cc300d06092a864886f70d01010b0500300c310a300806035504030c01"
    "74301e170d3236313132323232323935335a170d3236313132343232323935335a300c310a300806035504030c017430"
    "820122300d06092a864886f70d01010105000382010f003082010a02820101009c67a1890c0ce8e3919333a2686d97c5"
    "0c48922d7e61ac90c9116984164cc896343db57a9a5c0b168620708b6392a3ad6f7b99fa6a5b540229000cba2defecf4"
    "be80e5e216ea453682db6f982a5320f90a84b6a12efe60ca3b1713d81b222b6d60fede661814cf24d84fa33d35a1061d"
    "0c41e3ff5bebbb1d26c6bde34a96ff5ae021b3bb431823bc840a0b61475ff60c319532d267dd61f086cce83748fc3224"
    "b40a803cda94870a8d7cc8f8aadd736101bba3751bfc1933b95a4473e58a45c7e6f84c64315449d4a55c2e3a9777b061"
    "f2402d2ffa764852c26d62ab3e04b38f50af0d258349db32defddb856fe9beda4ae16671871cc836686c09e514821eaf"
    "0203010001a3533051301d0603551d0e041604147c21ac754d00f8491370508aa5faa77e567dc7cf301f0603551d2304"
    "18301680147c21ac754d00f8491370508aa5faa77e567dc7cf300f0603551d130101ff040530030101ff300d06092a86"
    "4886f70d01010b050003820101007f97a0e5e8a8107a746f6d7762037069be5246f46e39a4a50e177d28caadd928dd18"
    "07b375214b4bd21563afd84f1961790aba3f2fb1601fd0dd848fba63069bc75daf194f4f549e1f33552d0024cd86b735"
    "f74930244437d1c4969987053e78ceef29b5fc34cba59413d183f64f8c6bf69e28d1182070b5fd8bfaaed447681deeed"
    "f77b417133d9cca37e8536623131b35ad5599319d195af78d391914b7ca35e499da764172156fab1edcace98ceef04ad"
    "ea6e167a89b975d097baa9d704508f7d5095dcb0cd47e0ace977480d880c512a857896574515a958609d5f5c41e73706"
    "2233075c734b7269638be776f60f63fbfceb7be3f437dc1ce17997e03a8f16030100040e00000016030100ba040000b6"
    "00001c2000b07d12a6ae9927457c63e2c10be956dfc3473d7b8647d4413ccee67dc5cd1136c690b7c899fcdbc1764521"
    "f8da9c0f5e03c45324449c5761a45037aca9c305d87897efe82c59c306bc74fc50e6e236fd9f016303ee467b3ced0f3c"
    "d5cc353c22fc29ded069f75795943cf7f4eb3d602601d28eddb449bddeb1572b2ab80c78a61a44ad85f5087a8a21cc6b"
    "6da4e8cd4d4c38fc0bd7c141d151336a22d75aa931075bf6b6583813f8b22de731181669f32114030100010116030100"
    "34ead2fa9c3a64fa1ed6376dfa871684573465a1c2d83bc6ed8fad2f0ee5bafc4d96f22540df2bce304c3cdbadb105b6"
    "08eee9551215030100244bbd31bf33c2a93826c1d2a847c230d9cda9e8c1b1cc3e916de9c6246906845eefbf6f43";
static const char tls10cbc_pms[] = "0301dc02bb39a26657cc3e71f25567fefa21fd675df9dcbb2f97ec9b013bc6219d78dd89ea5c803dede6333ae42f68c3";
static const char tls10cbc_ms[] = "0c3e0223073600aedf48e7c2798b1556bac23a16e595344af287a275b5886823de2d205b9bf5591cb34de0f64ba01a44";
static const char tls12gcm_c[] =
    "16030100830100007f03039f94fb30dc7c5f1ac895a2ee3270861da7df83fe337f82a04544624093fd7b90000004c02f"
    "00ff01000052000b000403000102000a000c000a001d0017001e00190018002300000016000000170000000d002a0028"
    "040305030603080708080809080a080b0804080508060401050106010303030103020402050206021603030025100000"
    "2120823e99df99468cf7212236d91a4b23c846a0dbf5553a7c0a569f68e1819d3c4714030300010116030300287499b4"
    "8da48f1ab7c5017ce47425a182d5ee7cedd83d6cd31ff6c2a4b92623e6c22e846b39f15bb9150303001a7499b48da48f"
    "1ab82b2cfc9caa322ab91bffb20313a1efb0d3fb";
static const char tls12gcm_s[] =
    "16030300410200003d03033d96b50309d9a4fe78981d236b4d9e1525380a160a521de1444f574e4752440100c02f0000"
    "15ff01000100000b000403000102002300000017000016030303070b0003030003000002fd308202f9308201e1a00302"
    "010202144a142ce4823d8f6eee082baa7a2cda24408da5cc300d06092a864886f70d01010b0500300c310a3008060355"
    "04030c0174301e170d3236313132323232323935335a170d3236313132343232323935335a300c310a30080603550403"
    "0c017430820122300d06092a864886f70d01010105000382010f003082010a02820101009c67a1890c0ce8e3919333a2"
    "686d97c50c48922d7e61ac90c9116984164cc896343db57a9a5c0b168620708b6392a3ad6f7b99fa6a5b540229000cba"
    "2defecf4be80e5e216ea453682db6f982a5320f90a84b6a12efe60ca3b1713d81b222b6d60fede661814cf24d84fa33d"
    "35a1061d0c41e3ff5bebbb1d26c6bde34a96ff5ae021b3bb431823bc840a0b61475ff60c319532d267dd61f086cce837"
    "48fc3224b40a803cda94870a8d7cc8f8aadd736101bba3751bfc1933b95a4473e58a45c7e6f84c64315449d4a55c2e3a"
    "9777b061f2402d2ffa764852c26d62ab3e04b38f50af0d258349db32defddb856fe9beda4ae16671871cc836686c09e5"
    "14821eaf0203010001a3533051301d0603551d0e041604147c21ac754d00f8491370508aa5faa77e567dc7cf301f0603"
    "551d230418301680147c21ac754d00f8491370508aa5faa77e567dc7cf300f0603551d130101ff040530030101ff300d"
    "06092a864886f70d01010b050003820101007f97a0e5e8a8107a746f6d7762037069be5246f46e39a4a50e177d28caad"
    "d928dd1807b375214b4bd21563afd84f1961790aba3f2fb1601fd0dd848fba63069bc75daf194f4f549e1f33552d0024"
    "cd86b735f74930244437d1c4969987053e78ceef29b5fc34cba59413d183f64f8c6bf69e28d1182070b5fd8bfaaed447"
    "681deeedf77b417133d9cca37e8536623131b35ad5599319d195af78d391914b7ca35e499da764172156fab1edcace98"
    "ceef04adea6e167a89b975d097baa9d704508f7d5095dcb0cd47e0ace977480d880c512a857896574515a958609d5f5c"
    "41e737062233075c734b7269638be776f60f63fbfceb7be3f437dc1ce17997e03a8f160303012c0c00012803001d20a2"
    "8f8379dbd07da49824aea10cce854835bc26f114dae87a1bd83e562adfa7170804010026c5f5cf6cfee29dc1af8ca985"
    "1b3d2802c883194a68b05e3e8100bf66207e31771a0a069bf7d297fbc0e14a3ced7bea39de98faa35d47b0c34274310d"
    "bec5782eb588c4188874c8ea3df32edffd8a9e4d461db83a3519dad5d1e33d177b38763086a04a4f3272f2b4360ad48d"
    "92118e5c4743645a094ec81586cef045f3323b63052abec101d8524073dc454f18b619f165da3ffddd3bda054dfc5e26"
    "ab7b97097ab2c1d16217210a9410ff74bbce841ec6d9365d74146b6077ccea502fcfc1c007718287bcbd1aee6504cc11"
    "98cbff0b8bd25c2f8bb7d0af3eef1d7434c7e75754d73a2ad06440c86929b7a8c936f33ad4bf050379bc844c0e9a2c16"
    "459f5116030300040e00000016030300ba040000b600001c2000b0bf4adac81b6af40074f6e5f6fdcc71453b57432758"
    "d172a93ea434803c1b6fd78df07246002574844b815c32d0ff85f09c1ff3e453bef17b8b5dbb4e1ff9e28237d3aed027"
    "6d10c803a88fb32dc868878d949bf6d310506e0030ba0204ce32053a96cef740263137996a80f41733667a2c4a8ad1a2"
    "1fafcab27c9ffc77acc0acb8a7f1dc0980fd319c1c270646fec701257653626b3f75114ed9730d39efca85fb097c0518"
    "fbfe258064617d43dac0631403030001011603030028a9e3a87d00cd48f1a5c07e19a643a9f6f931048404fed19ef9f8"
    "8c8b4c65cdc2309d248c1e850647150303001aa9e3a87d00cd48f2299f2c5ba6f6b8387b4ecfe28580243f908a";
static const char tls12gcm_pms[] = "";
static const char tls12gcm_ms[] = "28c3eaadc946f7877ce0fd3891e300fdb617f6d9542f3063eed7e4ed02b152ecc81e23cee92fa4e538ef90bb2205aecb";

static size_t unhex(const char *s, uint8_t *o, size_t cap)
{
    size_t n = 0;
    unsigned v;
    while (s[0] && s[1] && n < cap && sscanf(s, "%2x", &v) == 1) {
        o[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

typedef struct rec_ref {
    uint8_t type;
    uint16_t version;
    const uint8_t *body;
    size_t len;
} rec_ref;

static size_t split_records(const uint8_t *b, size_t n, rec_ref *out, size_t cap)
{
    bm_cur c = bm_cur_make(b, n);
    size_t k = 0;
    while (bm_cur_left(&c) >= 5 && k < cap) {
        out[k].type = bm_get_u8(&c);
        out[k].version = bm_get_u16(&c);
        uint16_t l = bm_get_u16(&c);
        out[k].body = bm_get_bytes(&c, l);
        out[k].len = l;
        if (!bm_cur_ok(&c))
            break;
        k++;
    }
    return k;
}

/* Whether the ServerHello (first server record) carries extension ext. */
static bool sh_has_ext(const rec_ref *sh, uint16_t ext)
{
    bm_cur c = bm_cur_make(sh->body, sh->len);
    bm_skip(&c, 4 + 2 + 32);
    bm_cur sid = bm_cur_vec8(&c);
    (void)sid;
    bm_skip(&c, 3);
    bm_cur exts = bm_cur_vec16(&c);
    while (bm_cur_left(&exts) >= 4) {
        uint16_t t = bm_get_u16(&exts);
        bm_cur body = bm_cur_vec16(&exts);
        (void)body;
        if (t == ext && bm_cur_ok(&exts))
            return true;
    }
    return false;
}

static uint8_t cbuf[4096], sbuf[4096], transcript[8192], out[20000];

static void check_conn(bm_crypto_ctx *cc, const char *name, uint16_t suite_id, uint16_t ver,
                       const char *chex, const char *shex, const char *pms_hex, const char *ms_hex)
{
    const bm_suite *s = bm_suite_find(suite_id);
    char t[200];
    size_t cn = unhex(chex, cbuf, sizeof cbuf), sn = unhex(shex, sbuf, sizeof sbuf);
    rec_ref cr[32], sr[32];
    size_t ncr = split_records(cbuf, cn, cr, 32), nsr = split_records(sbuf, sn, sr, 32);
    snprintf(t, sizeof t, "%s: records framed (%zu client, %zu server)", name, ncr, nsr);
    ok(ncr >= 4 && nsr >= 3, t);
    /* Transcript up to ClientKeyExchange: CH, the server's first flight, CKE. */
    size_t tn = 0, ci = 0, si = 0;
    memcpy(transcript + tn, cr[0].body, cr[0].len);
    tn += cr[0].len;
    /* Stop at NewSessionTicket (type 4): it follows the client's Finished. */
    for (si = 0; si < nsr && sr[si].type == 22 && sr[si].len && sr[si].body[0] != 4; si++) {
        memcpy(transcript + tn, sr[si].body, sr[si].len);
        tn += sr[si].len;
    }
    for (ci = 1; ci < ncr && cr[ci].type == 22; ci++) {
        memcpy(transcript + tn, cr[ci].body, cr[ci].len);
        tn += cr[ci].len;
    }
    ok(ci < ncr && cr[ci].type == 20 && ci + 1 < ncr, "client ChangeCipherSpec found");
    const uint8_t *crand = cr[0].body + 6, *srand = sr[0].body + 6;
    bool ems = sh_has_ext(&sr[0], 0x0017), etm = sh_has_ext(&sr[0], 0x0016);
    printf("# %s: extended_master_secret=%d encrypt_then_mac=%d\n", name, ems, etm);
    uint8_t ms[48], ms_want[48];
    unhex(ms_hex, ms_want, 48);
    if (pms_hex[0]) {
        uint8_t pms[48], sh[48];
        size_t shl = 0;
        unhex(pms_hex, pms, 48);
        ok(bm_is_ok(bm_session_hash(cc, ver, s, transcript, tn, sh, &shl)), "session hash");
        bm_result r = ems ? bm_extended_master_secret(cc, ver, s, pms, 48, sh, shl, ms)
                          : bm_master_secret(cc, ver, s, pms, 48, crand, srand, ms);
        ok(bm_is_ok(r), "master secret from the premaster");
        is_mem(ms, ms_want, 48, "master secret = the one OpenSSL logged");
    } else {
        memcpy(ms, ms_want, 48);
    }
    bm_key_block kb;
    ok(bm_is_ok(bm_key_block_derive(cc, ver, s, ms, crand, srand, &kb)), "key block");
    bm_rec *rc = NULL, *rs = NULL, *wrong = NULL;
    unsigned flags = etm && s->mode == BM_MODE_CBC ? BM_REC_ETM : 0;
    bm_rec_params pc = {s, ver, flags, &kb.dir[0]}, ps = {s, ver, flags, &kb.dir[1]};
    ok(bm_is_ok(bm_rec_new(cc, &pc, &rc)) && bm_is_ok(bm_rec_new(cc, &ps, &rs)) &&
       bm_is_ok(bm_rec_new(cc, &ps, &wrong)), "bm_rec for both directions");
    if (!rc || !rs || !wrong)
        return;
    bm_open_result res;
    /* The other side's keys must fail on the client's Finished. */
    const rec_ref *cf = &cr[ci + 1];
    ok(bm_is_ok(bm_rec_open(wrong, 0, cf->type, cf->version, cf->body, cf->len, out, sizeof out, &res)) &&
       res.status != BM_REC_OK, "client record under the server's keys fails");
    ok(bm_is_ok(bm_rec_open(rc, 0, cf->type, cf->version, cf->body, cf->len, out, sizeof out, &res)), "open");
    snprintf(t, sizeof t, "%s: client Finished record opens OK", name);
    is_int(res.status, BM_REC_OK, t);
    uint8_t vd[36];
    size_t vdl = 0;
    ok(res.plain_len == 16 && out[0] == 20 && out[3] == 12, "Finished message, 12-byte verify_data");
    ok(bm_is_ok(bm_finished_verify_data(cc, ver, s, ms, 0, transcript, tn, vd, &vdl)) && vdl == 12 &&
       memcmp(vd, out + 4, 12) == 0, "client verify_data matches");
    memcpy(transcript + tn, out, 16);
    tn += 16;
    /* Server: NewSessionTicket (in the clear), CCS, Finished. */
    size_t k = si;
    for (; k < nsr && sr[k].type == 22; k++) {
        memcpy(transcript + tn, sr[k].body, sr[k].len);
        tn += sr[k].len;
    }
    for (; k < nsr && sr[k].type != 20; k++)
        ;
    ok(k + 1 < nsr, "server ChangeCipherSpec found");
    const rec_ref *sf = &sr[k + 1];
    ok(bm_is_ok(bm_rec_open(rs, 0, sf->type, sf->version, sf->body, sf->len, out, sizeof out, &res)) &&
       res.status == BM_REC_OK, "server Finished record opens OK");
    ok(bm_is_ok(bm_finished_verify_data(cc, ver, s, ms, 1, transcript, tn, vd, &vdl)) &&
       memcmp(vd, out + 4, 12) == 0, "server verify_data matches");
    /* Then the client's records in order: application data (TLS 1.0 splits
     * it 1/n-1 against BEAST) and a close_notify alert. */
    static const char msg[] = "hello from the client, record one\n";
    uint8_t app[256];
    size_t an = 0, bad = 0;
    uint64_t seq = 1;
    const rec_ref *last = NULL;
    for (size_t j = ci + 2; j < ncr; j++, seq++) {
        last = &cr[j];
        if (!bm_is_ok(bm_rec_open(rc, seq, cr[j].type, cr[j].version, cr[j].body, cr[j].len, out,
                                  sizeof out, &res)) || res.status != BM_REC_OK) {
            bad++;
            continue;
        }
        if (cr[j].type == 23 && an + res.plain_len <= sizeof app) {
            memcpy(app + an, out, res.plain_len);
            an += res.plain_len;
        }
    }
    snprintf(t, sizeof t, "%s: %zu later client records open OK in order", name, ncr - ci - 2);
    is_int(bad, 0, t);
    ok(last && last->type == 21 && res.plain_len == 2 && out[0] == 1 && out[1] == 0,
       "the last one is a close_notify alert");
    if (an) {
        snprintf(t, sizeof t, "%s: application data plaintext", name);
        ok(an == sizeof msg - 1 && memcmp(app, msg, an) == 0, t);
    }
    ok(last && bm_is_ok(bm_rec_open(rc, seq + 5, last->type, last->version, last->body, last->len, out,
                                    sizeof out, &res)) && res.status != BM_REC_OK,
       "the alert opened again at another sequence number fails");
    if (etm) {
        bm_rec *mte = NULL;
        bm_rec_params pm = {s, ver, 0, &kb.dir[0]};
        ok(bm_is_ok(bm_rec_new(cc, &pm, &mte)) &&
           bm_is_ok(bm_rec_open(mte, 0, cf->type, cf->version, cf->body, cf->len, out, sizeof out, &res)) &&
           res.status != BM_REC_OK, "EtM connection read as MtE fails");
        bm_rec_free(mte);
    }
    bm_rec_free(rc);
    bm_rec_free(rs);
    bm_rec_free(wrong);
}

int main(void)
{
    bm_crypto_ctx *cc = bm_crypto_new();
    if (!ok(cc != NULL, "crypto context"))
        return tap_done();
    check_conn(cc, "TLS 1.2 AES128-SHA", 0x002F, 0x0303, tls12cbc_c, tls12cbc_s, tls12cbc_pms, tls12cbc_ms);
    check_conn(cc, "TLS 1.0 AES128-SHA", 0x002F, 0x0301, tls10cbc_c, tls10cbc_s, tls10cbc_pms, tls10cbc_ms);
    check_conn(cc, "TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, 0x0303, tls12gcm_c, tls12gcm_s,
               tls12gcm_pms, tls12gcm_ms);
    bm_crypto_free(cc);
    return tap_done();
}
