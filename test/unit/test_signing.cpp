// Signed Mobileconfig profiles: CMS SignedData made with a test PKI generated here
// (root CA → intermediate → signer), verified with CMS_verify against the root alone.
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backends/sql_store.h"
#include "core/builders/signing.h"
#include "core/dispatcher.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/seed.h"

using namespace automx2;
namespace fs = std::filesystem;

namespace {

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
    void operator()(X509* c) const { X509_free(c); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct StoreFree {
    void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct CmsFree {
    void operator()(CMS_ContentInfo* c) const { CMS_ContentInfo_free(c); }
};
struct StackFree {
    void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct Identity {
    PkeyPtr key;
    X509Ptr cert;
};

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    REQUIRE(ext != nullptr);
    REQUIRE(X509_add_ext(cert, ext, -1) == 1);
    X509_EXTENSION_free(ext);
}

// A certificate for `cn` (a CA when `ca`), signed by `issuer` (self-signed when null).
Identity make_identity(const std::string& cn, const Identity* issuer, bool ca, long serial,
                       long valid_days = 30) {
    Identity id;
    id.key.reset(EVP_EC_gen("P-256"));
    REQUIRE(id.key);
    id.cert.reset(X509_new());
    X509* cert = id.cert.get();
    REQUIRE(X509_set_version(cert, 2) == 1);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), valid_days * 86400L);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509* issuer_cert = issuer ? issuer->cert.get() : cert;
    X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
    X509_set_pubkey(cert, id.key.get());
    add_extension(cert, issuer_cert, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
    add_extension(cert, issuer_cert, NID_key_usage,
                  ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    REQUIRE(X509_sign(cert, issuer ? issuer->key.get() : id.key.get(), EVP_sha256()) > 0);
    return id;
}

std::string pem_of(X509* cert) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string pem_of(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

// Written beside and renamed over, the way certificate renewal tools replace files.
void replace_file(const fs::path& path, const std::string& content) {
    fs::path tmp = path;
    tmp += ".new";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << content;
    }
    fs::rename(tmp, path);
}

struct TempDir {
    fs::path path;
    TempDir() {
        std::string templ = (fs::temp_directory_path() / "automx2-signing-XXXXXX").string();
        REQUIRE(mkdtemp(templ.data()) != nullptr);
        path = templ;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// The test PKI on disk.
struct Pki {
    TempDir dir;
    Identity root = make_identity("automx2 test root", nullptr, true, 1);
    Identity intermediate = make_identity("automx2 test intermediate", &root, true, 2);
    Identity signer = make_identity("profile signer 1", &intermediate, false, 3);
    fs::path cert = dir.path / "signer.pem";
    fs::path key = dir.path / "signer.key";
    fs::path chain = dir.path / "chain.pem";

    Pki() { install(signer); }
    void install(const Identity& who) {
        replace_file(cert, pem_of(who.cert.get()));
        replace_file(key, pem_of(who.key.get()));
        replace_file(chain, pem_of(intermediate.cert.get()));
    }
    SigningFiles files() const { return {cert.string(), key.string(), chain.string()}; }
};

struct Verified {
    bool ok = false;
    std::string content;
    std::string signer_cn;
    int certificates = 0;
};

// CMS_verify against the root only: the intermediate must come from the message.
Verified verify(const std::string& der, X509* root) {
    Verified v;
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    std::unique_ptr<CMS_ContentInfo, CmsFree> cms(
        d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    if (!cms || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size())
        return v;
    std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
    X509_STORE_add_cert(store.get(), root);
    BioPtr out(BIO_new(BIO_s_mem()));
    v.ok = CMS_verify(cms.get(), nullptr, store.get(), nullptr, out.get(), CMS_BINARY) == 1;
    ERR_clear_error();
    char* data = nullptr;
    long n = BIO_get_mem_data(out.get(), &data);
    v.content.assign(data, static_cast<std::size_t>(n));
    STACK_OF(X509)* certs = CMS_get1_certs(cms.get());
    v.certificates = certs ? sk_X509_num(certs) : 0;
    sk_X509_pop_free(certs, X509_free);
    std::unique_ptr<STACK_OF(X509), StackFree> signers(CMS_get0_signers(cms.get()));
    if (signers && sk_X509_num(signers.get()) == 1) {
        char cn[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(sk_X509_value(signers.get(), 0)),
                                  NID_commonName, cn, sizeof cn);
        v.signer_cn = cn;
    }
    return v;
}

}  // namespace

TEST_CASE("signing: a CMS SignedData that verifies, content attached byte for byte", "[signing]") {
    Pki pki;
    ProfileSigner signer(pki.files());
    REQUIRE(signer.ready());
    const std::string plist = "<?xml version=\"1.0\"?>\r\n<plist>\n\xc3\xbc\0tail";
    const std::string der = signer.sign(plist);
    CHECK(der.compare(0, 1, "\x30") == 0);  // DER SEQUENCE
    Verified v = verify(der, pki.root.cert.get());
    CHECK(v.ok);
    CHECK(v.content == plist);  // CMS_BINARY: no line-ending translation
    CHECK(v.signer_cn == "profile signer 1");
    CHECK(v.certificates == 2);  // signer and intermediate

    // A different root does not verify it.
    Identity other = make_identity("someone else", nullptr, true, 9);
    CHECK_FALSE(verify(der, other.cert.get()).ok);
}

TEST_CASE("signing: without the chain the root alone cannot verify", "[signing]") {
    Pki pki;
    SigningFiles files = pki.files();
    files.chain.clear();
    ProfileSigner signer(files);
    Verified v = verify(signer.sign("x"), pki.root.cert.get());
    CHECK_FALSE(v.ok);
    CHECK(v.certificates == 1);
}

TEST_CASE("signing: renewed files are picked up, broken ones keep the previous signer",
          "[signing][reload]") {
    Pki pki;
    log::set_level(log::Level::critical);  // the broken states below log errors
    ProfileSigner signer(pki.files(), std::chrono::milliseconds(0));
    CHECK(verify(signer.sign("a"), pki.root.cert.get()).signer_cn == "profile signer 1");

    Identity renewed = make_identity("profile signer 2", &pki.intermediate, false, 4);
    pki.install(renewed);
    Verified v = verify(signer.sign("b"), pki.root.cert.get());
    CHECK(v.ok);
    CHECK(v.signer_cn == "profile signer 2");

    // Half-way through a renewal: a key that does not match the certificate.
    Identity third = make_identity("profile signer 3", &pki.intermediate, false, 5);
    replace_file(pki.key, pem_of(third.key.get()));
    v = verify(signer.sign("c"), pki.root.cert.get());
    CHECK(v.ok);
    CHECK(v.signer_cn == "profile signer 2");
    // Garbage in the certificate file: still the previous good signer.
    replace_file(pki.cert, "-----BEGIN CERTIFICATE-----\nnot base64\n");
    CHECK(verify(signer.sign("d"), pki.root.cert.get()).signer_cn == "profile signer 2");
    // The renewal completes.
    replace_file(pki.cert, pem_of(third.cert.get()));
    v = verify(signer.sign("e"), pki.root.cert.get());
    CHECK(v.ok);
    CHECK(v.signer_cn == "profile signer 3");
    log::set_level(log::Level::warning);
}

TEST_CASE("signing: the files are checked at most once per interval", "[signing][reload]") {
    Pki pki;
    ProfileSigner signer(pki.files(), std::chrono::hours(1));
    pki.install(make_identity("profile signer 2", &pki.intermediate, false, 4));
    CHECK(verify(signer.sign("a"), pki.root.cert.get()).signer_cn == "profile signer 1");
}

TEST_CASE("signing: never loaded means 503, until the files are good", "[signing]") {
    Pki pki;
    log::set_level(log::Level::critical);
    SigningFiles files = pki.files();
    files.key = (pki.dir.path / "missing.key").string();
    ProfileSigner signer(files, std::chrono::milliseconds(0));
    CHECK_FALSE(signer.ready());
    CHECK_THROWS_AS(signer.sign("x"), BackendUnavailable);
    fs::copy_file(pki.key, files.key);
    CHECK(verify(signer.sign("x"), pki.root.cert.get()).ok);
    log::set_level(log::Level::warning);
}

TEST_CASE("signing: an encrypted key is refused, not prompted for", "[signing]") {
    Pki pki;
    log::set_level(log::Level::critical);
    BioPtr bio(BIO_new(BIO_s_mem()));
    const char pass[] = "secret";
    PEM_write_bio_PrivateKey(bio.get(), pki.signer.key.get(), EVP_aes_128_cbc(),
                             reinterpret_cast<const unsigned char*>(pass), 6, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    replace_file(pki.key, std::string(data, static_cast<std::size_t>(n)));
    ProfileSigner signer(pki.files());
    CHECK_FALSE(signer.ready());
    log::set_level(log::Level::warning);
}

TEST_CASE("make_signer: none, all, or a ConfigError naming the missing key", "[signing]") {
    Config config;
    CHECK(make_signer(config) == nullptr);
    config.sign_chain = "/nonexistent/chain.pem";
    CHECK_THROWS_AS(make_signer(config), ConfigError);
    config.sign_certificate = "/nonexistent/cert.pem";
    try {
        make_signer(config);
        FAIL("no ConfigError");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).find("sign_key") != std::string::npos);
    }
    Pki pki;
    config.sign_certificate = pki.cert.string();
    config.sign_key = pki.key.string();
    config.sign_chain = pki.chain.string();
    auto signer = make_signer(config);
    REQUIRE(signer);
    CHECK(signer->ready());
}

TEST_CASE("signing through the dispatcher: same profile inside, same content type", "[signing]") {
    Pki pki;
    Config config;
    auto store = open_sql_store(parse_db_uri("sqlite:///:memory:"), {});
    store->initialise(sample_seed());
    Resolver resolver(*store, nullptr);
    ProfileSigner signer(pki.files());
    Dispatcher unsigned_dispatcher(Services{config, *store, resolver});
    Dispatcher signed_dispatcher(Services{config, *store, resolver, &signer});

    Request r;
    r.method = "GET";
    r.path = "/mobileconfig/";
    r.query_string = "emailaddress=alice%40example.com";
    r.query = parse_query(r.query_string);
    Response plain = unsigned_dispatcher.handle(r);
    Response signed_response = signed_dispatcher.handle(r);
    REQUIRE(plain.status == 200);
    REQUIRE(signed_response.status == 200);
    CHECK(signed_response.content_type == "application/x-apple-aspen-config");
    CHECK(signed_response.headers == plain.headers);  // Content-Disposition too
    Verified v = verify(signed_response.body, pki.root.cert.get());
    CHECK(v.ok);
    CHECK(v.content == plain.body);

    log::set_level(log::Level::critical);
    SigningFiles broken = pki.files();
    broken.certificate = (pki.dir.path / "missing.pem").string();
    ProfileSigner never(broken);
    Dispatcher failing(Services{config, *store, resolver, &never});
    CHECK(failing.handle(r).status == 503);
    log::set_level(log::Level::warning);
}

TEST_CASE("signing: concurrent signing while the files are renewed", "[signing][threads]") {
    Pki pki;
    log::set_level(log::Level::critical);  // a reader may catch a half-replaced pair
    ProfileSigner signer(pki.files(), std::chrono::milliseconds(0));
    Identity renewed = make_identity("profile signer 2", &pki.intermediate, false, 4);
    std::atomic<int> verified{0}, failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                Verified v = verify(signer.sign("profile"), pki.root.cert.get());
                (v.ok && v.content == "profile" ? verified : failed)++;
            }
        });
    }
    for (int i = 0; i < 10; ++i)
        pki.install(i % 2 ? pki.signer : renewed);
    for (auto& thread : threads)
        thread.join();
    log::set_level(log::Level::warning);
    CHECK(verified == 100);
    CHECK(failed == 0);
}
