#include "core/builders/signing.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "core/errors.h"
#include "core/log.h"

namespace automx2 {
namespace {

// PEM files of a certificate chain are small; anything larger is not what we want.
constexpr std::size_t kMaxPemFile = std::size_t{1024} * 1024;

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
    void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509StackFree {
    void operator()(STACK_OF(X509) * chain) const { sk_X509_pop_free(chain, X509_free); }
};
struct CmsFree {
    void operator()(CMS_ContentInfo* cms) const { CMS_ContentInfo_free(cms); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, CmsFree>;

// Key material in memory is wiped when it goes out of scope.
class SecretBuffer {
  public:
    SecretBuffer() = default;
    SecretBuffer(const SecretBuffer&) = delete;
    SecretBuffer& operator=(const SecretBuffer&) = delete;
    ~SecretBuffer() {
        if (!data.empty())
            OPENSSL_cleanse(data.data(), data.size());
    }
    std::string data;
};

std::string openssl_error() {
    unsigned long code = ERR_get_error();
    if (code == 0)
        return "unknown OpenSSL error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return text;
}

// An encrypted key must not make OpenSSL prompt on a terminal: refuse it instead.
int no_passphrase(char*, int, int, void*) {
    return -1;
}

// Bounded read of a whole file. `key` names the config key in messages.
void read_file(const std::string& path, std::string_view key, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error(std::string(key) + ": cannot open " + path + ": " +
                                 std::strerror(errno));
    }
    out.resize(kMaxPemFile + 1);
    in.read(out.data(), static_cast<std::streamsize>(out.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (in.bad()) {
        throw std::runtime_error(std::string(key) + ": cannot read " + path);
    }
    if (got > kMaxPemFile) {
        throw std::runtime_error(std::string(key) + ": " + path + " is larger than " +
                                 std::to_string(kMaxPemFile) + " bytes");
    }
    out.resize(got);
}

BioPtr memory_bio(const std::string& data) {
    BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    if (!bio)
        throw std::runtime_error("BIO_new_mem_buf: " + openssl_error());
    return bio;
}

// inode, size, modification and change time of each file: a renewed certificate
// changes at least one of them, however it was written (in place or renamed over).
std::string file_identity(const SigningFiles& files) {
    std::string identity;
    for (const std::string* path : {&files.certificate, &files.key, &files.chain}) {
        struct stat st {};
        if (path->empty()) {
            identity += "-;";
        } else if (stat(path->c_str(), &st) != 0) {
            identity += "missing;";
        } else {
            identity += std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
                        std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
                        std::to_string(st.st_mtim.tv_nsec) + ":" +
                        std::to_string(st.st_ctim.tv_sec) + "." +
                        std::to_string(st.st_ctim.tv_nsec) + ";";
        }
    }
    return identity;
}

std::string not_after_text(const X509* cert) {
    BioPtr out(BIO_new(BIO_s_mem()));
    if (!out || ASN1_TIME_print(out.get(), X509_get0_notAfter(cert)) != 1)
        return "?";
    char* data = nullptr;
    long size = BIO_get_mem_data(out.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

struct ProfileSigner::Material {
    X509Ptr certificate;
    PkeyPtr key;
    X509StackPtr chain;
    std::string identity;
};

namespace {

std::shared_ptr<const ProfileSigner::Material> load_material(const SigningFiles& files,
                                                             std::string identity) {
    ERR_clear_error();
    auto material = std::make_shared<ProfileSigner::Material>();
    material->identity = std::move(identity);
    {
        std::string pem;
        read_file(files.certificate, "sign_certificate", pem);
        BioPtr bio = memory_bio(pem);
        material->certificate.reset(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
        if (!material->certificate) {
            throw std::runtime_error("sign_certificate: no PEM certificate in " +
                                     files.certificate + ": " + openssl_error());
        }
    }
    {
        SecretBuffer pem;
        read_file(files.key, "sign_key", pem.data);
        BioPtr bio = memory_bio(pem.data);
        material->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
        if (!material->key) {
            // The OpenSSL reason is generic; it never quotes the key.
            throw std::runtime_error("sign_key: no unencrypted PEM private key in " + files.key +
                                     ": " + openssl_error());
        }
    }
    if (X509_check_private_key(material->certificate.get(), material->key.get()) != 1) {
        ERR_clear_error();
        throw std::runtime_error("sign_key " + files.key + " does not belong to sign_certificate " +
                                 files.certificate);
    }
    material->chain.reset(sk_X509_new_null());
    if (!material->chain)
        throw std::runtime_error("sk_X509_new_null: " + openssl_error());
    if (!files.chain.empty()) {
        std::string pem;
        read_file(files.chain, "sign_chain", pem);
        BioPtr bio = memory_bio(pem);
        while (X509Ptr cert{PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)}) {
            if (sk_X509_push(material->chain.get(), cert.get()) == 0) {
                throw std::runtime_error("sk_X509_push: " + openssl_error());
            }
            static_cast<void>(cert.release());  // now owned by the stack
        }
        // The loop ends with "no start line" at the end of the file; anything else, or
        // no certificate at all, is a broken file.
        const unsigned long last = ERR_peek_last_error();
        const bool clean_end =
            ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
        if (sk_X509_num(material->chain.get()) == 0 || (last != 0 && !clean_end)) {
            throw std::runtime_error("sign_chain: no readable PEM certificates in " + files.chain +
                                     ": " + openssl_error());
        }
        ERR_clear_error();
    }
    if (X509_cmp_current_time(X509_get0_notAfter(material->certificate.get())) < 0) {
        log::warning("sign_certificate " + files.certificate + " expired on " +
                     not_after_text(material->certificate.get()) +
                     "; devices will show the profile as unverified");
    }
    return material;
}

}  // namespace

ProfileSigner::ProfileSigner(SigningFiles files, std::chrono::milliseconds check_interval)
    : files_(std::move(files)), check_interval_(check_interval) {
    // Load now, so that start-up logs a broken file.
    current();
}

ProfileSigner::~ProfileSigner() = default;

std::shared_ptr<const ProfileSigner::Material> ProfileSigner::current() {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (now < next_check_)
        return material_;
    next_check_ = now + check_interval_;

    std::string identity = file_identity(files_);
    if ((material_ && identity == material_->identity) || identity == failed_identity_) {
        return material_;
    }
    try {
        material_ = load_material(files_, identity);
        failed_identity_.clear();
        log::info("Mobileconfig signing certificate " + files_.certificate +
                  " loaded (valid until " + not_after_text(material_->certificate.get()) + ", " +
                  std::to_string(sk_X509_num(material_->chain.get())) + " chain certificates)");
    } catch (const std::exception& e) {
        failed_identity_ = std::move(identity);
        log::error(std::string("cannot load the Mobileconfig signing files: ") + e.what() +
                   (material_ ? "; still signing with the previously loaded certificate"
                              : "; Mobileconfig requests answer 503 until this is fixed"));
    }
    return material_;
}

bool ProfileSigner::ready() {
    return current() != nullptr;
}

std::string ProfileSigner::sign(std::string_view content) {
    std::shared_ptr<const Material> material = current();
    if (!material) {
        throw BackendUnavailable("no usable Mobileconfig signing certificate and key loaded");
    }
    if (content.size() > static_cast<std::size_t>(INT_MAX)) {
        throw std::runtime_error("profile too large to sign");
    }
    ERR_clear_error();
    BioPtr in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
    if (!in)
        throw std::runtime_error("BIO_new_mem_buf: " + openssl_error());
    // CMS_BINARY: the plist is signed byte for byte, with no MIME line-ending
    // translation; without CMS_DETACHED the content is attached, as Apple requires.
    CmsPtr cms(CMS_sign(material->certificate.get(), material->key.get(), material->chain.get(),
                        in.get(), CMS_BINARY));
    if (!cms)
        throw std::runtime_error("CMS_sign: " + openssl_error());
    const int size = i2d_CMS_ContentInfo(cms.get(), nullptr);
    if (size <= 0)
        throw std::runtime_error("i2d_CMS_ContentInfo: " + openssl_error());
    std::string der(static_cast<std::size_t>(size), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_CMS_ContentInfo(cms.get(), &out) != size) {
        throw std::runtime_error("i2d_CMS_ContentInfo: " + openssl_error());
    }
    return der;
}

std::unique_ptr<ProfileSigner> make_signer(const Config& config) {
    const bool certificate = !config.sign_certificate.empty();
    const bool key = !config.sign_key.empty();
    const bool chain = !config.sign_chain.empty();
    if (!certificate && !key && !chain) {
        return nullptr;
    }
    if (!certificate || !key) {
        const std::string where = config.source.empty() ? "configuration" : config.source;
        throw ConfigError(where + ": " + (certificate ? "sign_key" : "sign_certificate") +
                          " is not set: signed Mobileconfig profiles need sign_certificate "
                          "and sign_key (sign_chain is optional)");
    }
    return std::make_unique<ProfileSigner>(
        SigningFiles{config.sign_certificate, config.sign_key, config.sign_chain});
}

}  // namespace automx2
