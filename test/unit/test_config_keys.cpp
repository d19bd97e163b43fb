// The configuration key table (issue 11): every key documented, defaults that agree with
// Config, the value types, the effective configuration and the rendered documents.
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "core/config.h"
#include "core/config_docs.h"
#include "core/config_keys.h"
#include "core/config_value.h"
#include "core/errors.h"

using automx2::Config;
using automx2::config_keys;
using automx2::ConfigKey;
using automx2::InvalidValue;
using automx2::set_value;
using automx2::show_value;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
namespace value = automx2::value;

namespace {

Config parse_silently(const std::string& text) {
    // parse_config warns on stderr only for files without [automx2]; none here.
    return automx2::parse_config(text, "test.conf");
}

}  // namespace

TEST_CASE("every key is named, typed and documented", "[config][keys]") {
    std::set<std::string_view> names;
    for (const ConfigKey& key : config_keys()) {
        INFO(key.name);
        CHECK(names.insert(key.name).second);
        CHECK(automx2::find_config_key(key.name) == &key);
        CHECK(key.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") ==
              std::string_view::npos);
        // One sentence for the man page and README, a comment for the sample.
        CHECK_FALSE(key.help.empty());
        CHECK(key.help.find('\n') == std::string_view::npos);
        CHECK_THAT(std::string(key.help), EndsWith("."));
        CHECK_FALSE(key.sample.empty());
        CHECK(key.sample.find("Default:") == std::string_view::npos);  // the renderer adds it
    }
    CHECK(automx2::find_config_key("db uri") == nullptr);  // names are normalised first
    CHECK(automx2::find_config_key("nonsense") == nullptr);
}

TEST_CASE("each key's default text is Config's default, written canonically", "[config][keys]") {
    const Config defaults = automx2::default_config();
    const Config plain{};
    for (const ConfigKey& key : config_keys()) {
        INFO(key.name);
        CHECK(show_value(key.type, defaults) == key.default_text);
        if (key.name != "db_uri") {  // Config{} leaves db unparsed
            CHECK(show_value(key.type, plain) == key.default_text);
        }
        // Written to a file, the default and the sample's example give back what they say.
        for (std::string_view text : {key.default_text, key.example}) {
            if (text.empty()) {
                continue;
            }
            Config config;
            set_value(key.type, config, std::string(text));
            CHECK(show_value(key.type, config) == text);
        }
    }
}

TEST_CASE("the unknown-key message lists the table", "[config][keys]") {
    try {
        parse_silently("[automx2]\nlog_level = INFO\n");
        FAIL("no error");
    } catch (const automx2::ConfigError& e) {
        for (const ConfigKey& key : config_keys()) {
            CHECK_THAT(e.what(), Contains(std::string(key.name)));
        }
    }
}

TEST_CASE("value types show what they read", "[config][keys]") {
    Config c;
    const automx2::ValueType seconds = value::Seconds{&Config::db_timeout};
    for (const char* text : {"0.1", "0.5", "1.25", "2", "59.999", "60"}) {
        set_value(seconds, c, text);
        CHECK(show_value(seconds, c) == text);
    }
    set_value(seconds, c, "2.50");
    CHECK(show_value(seconds, c) == "2.5");

    const automx2::ValueType level = value::LogLevel{&Config::log_level};
    set_value(level, c, "fatal");
    CHECK(show_value(level, c) == "CRITICAL");

    const automx2::ValueType host = value::HostName{&Config::service_host};
    set_value(host, c, "AutoConfig.Example.COM");
    CHECK(show_value(host, c) == "autoconfig.example.com");
    CHECK_THROWS_AS(set_value(host, c, ""), InvalidValue);

    const automx2::ValueType flag = value::Boolean{&Config::db_echo};
    set_value(flag, c, "On");
    CHECK(show_value(flag, c) == "yes");

    const automx2::ValueType nets = value::Networks{&Config::initdb_allowed_from};
    set_value(nets, c, "10.0.0.0/8\n  ::1");
    CHECK(show_value(nets, c) == "10.0.0.0/8, ::1");
    set_value(nets, c, "");
    CHECK(show_value(nets, c).empty());
}

TEST_CASE("a choice of words", "[config][keys]") {
    static constexpr std::string_view words[] = {"nocontent", "domain"};
    const automx2::ValueType choice = value::Choice{&Config::service_host, words};
    Config c;
    set_value(choice, c, "Domain");
    CHECK(c.service_host == "domain");
    try {
        set_value(choice, c, "maybe");
        FAIL("no error");
    } catch (const InvalidValue& e) {
        CHECK(std::string(e.what()) == "nocontent or domain");
    }
}

TEST_CASE("the effective configuration: values, origin, masked password", "[config][keys]") {
    const Config c = parse_silently(
        "[automx2]\ndb uri = postgresql://automx2:s3cret@db.example/automx2\n"
        "db_timeout = 0.5\nsign_key = /etc/automx2/signing.key\n"
        "[DEFAULT]\nproxy_count = 2\n");
    const auto effective = automx2::effective_config(c);
    REQUIRE(effective.size() == config_keys().size());
    std::map<std::string, std::pair<std::string, bool>> by_key;
    for (const auto& e : effective) {
        by_key[std::string(e.key)] = {e.value, e.from_file};
    }
    CHECK(by_key["db_uri"] ==
          std::pair<std::string, bool>("postgresql://automx2:***@db.example/automx2", true));
    CHECK(by_key["db_timeout"] == std::pair<std::string, bool>("0.5", true));
    CHECK(by_key["sign_key"] == std::pair<std::string, bool>("/etc/automx2/signing.key", true));
    CHECK(by_key["proxy_count"] == std::pair<std::string, bool>("2", true));  // [DEFAULT]
    CHECK(by_key["loglevel"] == std::pair<std::string, bool>("WARNING", false));
    CHECK(by_key["initdb_allowed_from"] == std::pair<std::string, bool>("127.0.0.1, ::1", false));
    for (const auto& e : effective) {
        CHECK_THAT(e.value, !Contains("s3cret"));
    }
    CHECK(automx2::effective_config(automx2::default_config())[0].from_file == false);
}

// ---- rendered documents -------------------------------------------------------------

namespace {

constexpr ConfigKey fake_keys[] = {
    {.name = "alpha",
     .type = value::Count{&Config::proxy_count, 0, 9, "a digit"},
     .default_text = "3",
     .help = "Alpha | beta \\ gamma.",
     .sample = "First paragraph, long enough to be wrapped at the sample's width of eighty-eight "
               "columns, which it is.\n"
               "  kept   as written\n"
               "Second paragraph.",
     .group = {}},
    {.name = "beta_file",
     .type = value::Text{&Config::sign_chain},
     .default_text = "",
     .help = ".Starts with a dot.",
     .sample = "A file.",
     .example = "/etc/beta.pem",
     .group = "Beta things"},
    {.name = "gamma",
     .type = value::Text{&Config::ldap_ca_file},
     .default_text = "",
     .help = "Quote \" here.",
     .sample = "No example.",
     .group = "Beta things"},
};

}  // namespace

TEST_CASE("the sample configuration's key part", "[config][keys][docs]") {
    CHECK(automx2::render_sample_keys(fake_keys) ==
          "\n"
          "# First paragraph, long enough to be wrapped at the sample's width of eighty-eight\n"
          "# columns, which it is.\n"
          "#   kept   as written\n"
          "# Second paragraph.\n"
          "# Default: 3\n"
          "alpha = 3\n"
          "\n# --- Beta things ---\n"
          "\n"
          "# A file.\n"
          "# Default: (empty)\n"
          "#beta_file = /etc/beta.pem\n"
          "\n"
          "# No example.\n"
          "# Default: (empty)\n"
          "gamma =\n");
}

TEST_CASE("the man page's key list escapes roff", "[config][keys][docs]") {
    CHECK(automx2::render_man_keys(fake_keys) ==
          ".TP\n.BR alpha \" (3)\"\nAlpha | beta \\e gamma.\n"
          ".TP\n.BR beta_file \" (empty)\"\n\\&.Starts with a dot.\n"
          ".TP\n.BR gamma \" (empty)\"\nQuote \\(dq here.\n");
}

TEST_CASE("the README's key table escapes cells", "[config][keys][docs]") {
    CHECK(automx2::render_readme_keys(fake_keys) ==
          "\n| key | default | meaning |\n|---|---|---|\n"
          "| `alpha` | `3` | Alpha \\| beta \\ gamma. |\n"
          "| `beta_file` | (empty) | .Starts with a dot. |\n"
          "| `gamma` | (empty) | Quote \" here. |\n\n");
}

TEST_CASE("every key of the table appears in the rendered documents", "[config][keys][docs]") {
    const std::string sample = automx2::render_sample_keys();
    const std::string man = automx2::render_man_keys();
    const std::string readme = automx2::render_readme_keys();
    for (const ConfigKey& key : config_keys()) {
        INFO(key.name);
        const std::string name(key.name);
        CHECK((sample.find("\n" + name + " =") != std::string::npos ||
               sample.find("\n#" + name + " =") != std::string::npos));
        CHECK_THAT(man, Contains(".BR " + name + " \""));
        CHECK_THAT(readme, Contains("| `" + name + "` |"));
    }
    // The rendered sample is itself a valid configuration.
    CHECK_NOTHROW(parse_silently("[automx2]\n" + sample));
}
