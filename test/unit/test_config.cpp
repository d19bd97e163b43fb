// Configuration file (SPEC §1) and logging (SPEC §14).
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/config_keys.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/text.h"

using automx2::Config;
using automx2::ConfigError;
using automx2::parse_config;
using automx2::text::parse_bool;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
namespace fs = std::filesystem;
namespace alog = automx2::log;

namespace {

// Redirects fd 2 into a pipe for its lifetime; text() restores stderr and returns what
// was written. Enough for a few KiB (the pipe buffer).
class StderrCapture {
  public:
    StderrCapture() {
        REQUIRE(::pipe(fds_) == 0);
        saved_ = ::dup(STDERR_FILENO);
        REQUIRE(saved_ >= 0);
        REQUIRE(::dup2(fds_[1], STDERR_FILENO) == STDERR_FILENO);
        ::close(fds_[1]);
    }
    ~StderrCapture() { restore(); }
    std::string text() {
        restore();
        std::string out;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(fds_[0], buf, sizeof buf)) > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }

  private:
    void restore() {
        if (saved_ >= 0) {
            ::dup2(saved_, STDERR_FILENO);
            ::close(saved_);
            saved_ = -1;
        }
    }
    int fds_[2]{-1, -1};
    int saved_ = -1;
};

// Sets (or unsets, with nullopt) an environment variable, restoring it afterwards.
class EnvGuard {
  public:
    EnvGuard(const char* name, std::optional<std::string> value) : name_(name) {
        if (const char* old = ::getenv(name)) {
            old_ = old;
        }
        if (value) {
            ::setenv(name, value->c_str(), 1);
        } else {
            ::unsetenv(name);
        }
    }
    ~EnvGuard() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }

  private:
    const char* name_;
    std::optional<std::string> old_;
};

class LevelGuard {
  public:
    explicit LevelGuard(alog::Level level) { alog::set_level(level); }
    ~LevelGuard() { alog::set_level(alog::Level::warning); }
};

class TempDir {
  public:
    TempDir() {
        std::string templ = (fs::temp_directory_path() / "automx2-config-XXXXXX").string();
        REQUIRE(::mkdtemp(templ.data()) != nullptr);
        path_ = templ;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }
    std::string write(const std::string& name, const std::string& text) const {
        const fs::path file = path_ / name;
        std::ofstream(file, std::ios::binary) << text;
        return file.string();
    }

  private:
    fs::path path_;
};

std::string config_error(const std::string& text, const std::string& source = "test.conf") {
    try {
        parse_config(text, source);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

Config parse_quietly(const std::string& text) {
    StderrCapture capture;
    Config config = parse_config(text, "test.conf");
    capture.text();
    return config;
}

}  // namespace

// ---- logging ------------------------------------------------------------------------

TEST_CASE("log level names", "[log]") {
    struct Case {
        const char* name;
        alog::Level level;
    };
    for (const Case& c :
         {Case{"DEBUG", alog::Level::debug}, Case{"info", alog::Level::info},
          Case{"Warning", alog::Level::warning}, Case{"WARN", alog::Level::warning},
          Case{"ERROR", alog::Level::error}, Case{"CRITICAL", alog::Level::critical},
          Case{"fatal", alog::Level::critical}}) {
        INFO(c.name);
        alog::Level out = alog::Level::debug;
        if (c.level == alog::Level::debug) {
            out = alog::Level::error;
        }
        CHECK(alog::parse_level(c.name, out));
        CHECK(out == c.level);
    }
    for (const char* bad : {"", "TRACE", "NOTSET", "debug2", "10", " INFO"}) {
        INFO(bad);
        alog::Level out = alog::Level::info;
        CHECK_FALSE(alog::parse_level(bad, out));
        CHECK(out == alog::Level::info);
    }
}

TEST_CASE("log lines: program, pid, level, message", "[log]") {
    LevelGuard level(alog::Level::info);
    StderrCapture capture;
    alog::info("database opened");
    alog::debug("not shown at INFO");
    const std::string out = capture.text();
    CHECK(out == "automx2-fcgi[" + std::to_string(::getpid()) + "]: INFO: database opened\n");
}

TEST_CASE("log levels filter", "[log]") {
    LevelGuard level(alog::Level::error);
    CHECK_FALSE(alog::enabled(alog::Level::warning));
    CHECK(alog::enabled(alog::Level::error));
    CHECK(alog::enabled(alog::Level::critical));
    StderrCapture capture;
    alog::warning("hidden");
    alog::error("shown");
    alog::write(alog::Level::critical, "also shown");
    const std::string out = capture.text();
    CHECK_THAT(out, !Contains("hidden"));
    CHECK_THAT(out, Contains("]: ERROR: shown\n"));
    CHECK_THAT(out, Contains("]: CRITICAL: also shown\n"));
}

TEST_CASE("log messages cannot inject lines or control sequences", "[log]") {
    LevelGuard level(alog::Level::debug);
    StderrCapture capture;
    alog::warning(std::string("user a\nautomx2-fcgi[1]: ERROR: fake\r\tx\x1b[31m\x7f") +
                  "\xc2\x85nel\xe2\x80\xa8ls" + std::string(1, '\0') + "end");
    const std::string out = capture.text();
    CHECK(out.find('\n') == out.size() - 1);  // exactly one line
    CHECK_THAT(out, Contains("WARNING: user a\\nautomx2-fcgi[1]: ERROR: fake\\r\\tx\\x1b[31m\\x7f"
                             "\\u0085nel\\u2028ls\\x00end\n"));
    // Ordinary UTF-8 is kept.
    StderrCapture capture2;
    alog::info("Grüße an m\xc3\xbcller@example.com");
    CHECK_THAT(capture2.text(), Contains("INFO: Grüße an müller@example.com\n"));
}

TEST_CASE("very long log messages are cut", "[log]") {
    LevelGuard level(alog::Level::debug);
    StderrCapture capture;
    alog::error(std::string(20000, 'x'));
    const std::string out = capture.text();
    CHECK(out.size() < 4200);
    CHECK_THAT(out, Contains("[truncated]\n"));
}

TEST_CASE("concurrent log lines never interleave", "[log]") {
    LevelGuard level(alog::Level::debug);
    StderrCapture capture;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([t] {
            for (int i = 0; i < 100; ++i) {
                alog::info("thread " + std::to_string(t) + " line " + std::to_string(i) + " " +
                           std::string(40, static_cast<char>('a' + t)));
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    const std::string out = capture.text();
    std::size_t lines = 0;
    std::size_t start = 0;
    while (start < out.size()) {
        const auto end = out.find('\n', start);
        REQUIRE(end != std::string::npos);
        const std::string line = out.substr(start, end - start);
        REQUIRE_THAT(line, StartsWith("automx2-fcgi["));
        const char tag = line[line.size() - 1];
        CHECK(line.substr(line.size() - 40) == std::string(40, tag));
        ++lines;
        start = end + 1;
    }
    CHECK(lines == 400);
}

// ---- booleans -----------------------------------------------------------------------

TEST_CASE("booleans in every accepted form", "[config]") {
    for (const char* yes : {"yes", "YES", "true", "True", "on", "On", "1"}) {
        INFO(yes);
        CHECK(parse_bool(yes) == std::optional<bool>(true));
    }
    for (const char* no : {"no", "No", "false", "FALSE", "off", "OFF", "0"}) {
        INFO(no);
        CHECK(parse_bool(no) == std::optional<bool>(false));
    }
    for (const char* bad : {"", "y", "n", "2", "yes ", "enabled", "truee"}) {
        INFO(bad);
        CHECK_FALSE(parse_bool(bad));
    }
}

// ---- parsing ------------------------------------------------------------------------

TEST_CASE("an empty [automx2] section gives the documented defaults", "[config]") {
    const Config c = parse_quietly("[automx2]\n");
    CHECK(c.source == "test.conf");
    CHECK(c.log_level == alog::Level::warning);
    CHECK_FALSE(c.db_echo);
    CHECK(c.db_uri == "sqlite:///:memory:");
    CHECK(c.db.in_memory);
    CHECK(c.db.sqlite_file() == std::nullopt);
    CHECK(c.proxy_count == 0);
    CHECK(c.max_body_size == 65536);
    CHECK(c.db_timeout == std::chrono::milliseconds(2000));
    REQUIRE(c.initdb_allowed_from.size() == 2);
    CHECK(c.initdb_allowed_from[0].text == "127.0.0.1");
    CHECK(c.initdb_allowed_from[1].text == "::1");
    CHECK_FALSE(c.permit_cleartext_passwords);
}

TEST_CASE("every key is read", "[config]") {
    const Config c = parse_quietly(
        "# automx2 configuration\n"
        "[automx2]\n"
        "loglevel = DEBUG\n"
        "db_echo = yes\n"
        "db_uri = postgresql://automx2:pw@db.example/automx2\n"
        "proxy_count = 2\n"
        "initdb_allowed_from = 10.0.0.0/8, 2001:db8::/32\n"
        "max_body_size = 1048576\n"
        "db_timeout = 0.5\n");
    CHECK(c.log_level == alog::Level::debug);
    CHECK(c.db_echo);
    CHECK(c.db_uri == "postgresql://automx2:pw@db.example/automx2");
    CHECK(c.db.dialect == automx2::Dialect::postgresql);
    CHECK(c.db.display == "postgresql://automx2:***@db.example/automx2");
    CHECK(c.proxy_count == 2);
    REQUIRE(c.initdb_allowed_from.size() == 2);
    CHECK(c.initdb_allowed_from[0].contains("10.9.8.7"));
    CHECK(c.initdb_allowed_from[1].contains("2001:db8::1"));
    CHECK_FALSE(c.initdb_allowed_from[0].contains("127.0.0.1"));
    CHECK(c.max_body_size == 1048576);
    CHECK(c.db_timeout == std::chrono::milliseconds(500));
}

TEST_CASE("keys with spaces, upper case, ':' and comments", "[config]") {
    const Config c = parse_quietly(
        "; comment\n"
        "[automx2]\n"
        "LOGLEVEL = error\n"
        "db uri = sqlite:////var/lib/automx2/db.sqlite   ; inline comment\n"
        "db  echo: on\n"
        "proxy count=1\n"
        "# comment\n"
        "max body size = 100\n"
        "db timeout = 7\n"
        "initdb allowed from =\n");
    CHECK(c.log_level == alog::Level::error);
    CHECK(c.db.sqlite_file() == "/var/lib/automx2/db.sqlite");
    CHECK(c.db_echo);
    CHECK(c.proxy_count == 1);
    CHECK(c.max_body_size == 100);
    CHECK(c.db_timeout == std::chrono::seconds(7));
    CHECK(c.initdb_allowed_from.empty());  // nobody may initialise
}

TEST_CASE("db_echo booleans in every form", "[config]") {
    for (const char* yes : {"yes", "true", "on", "1", "Yes", "TRUE"}) {
        INFO(yes);
        CHECK(parse_quietly(std::string("[automx2]\ndb_echo = ") + yes + "\n").db_echo);
    }
    for (const char* no : {"no", "false", "off", "0", "NO", "Off"}) {
        INFO(no);
        CHECK_FALSE(parse_quietly(std::string("[automx2]\ndb_echo = ") + no + "\n").db_echo);
    }
}

TEST_CASE("bad values name file, key and value", "[config]") {
    struct Case {
        const char* line;
        const char* expected;  // the message's start after "test.conf: "
    };
    for (const Case& c : {
             Case{"loglevel = LOUD", "key 'loglevel': invalid value 'LOUD' (expected DEBUG"},
             Case{"db_echo = maybe", "key 'db_echo': invalid value 'maybe' (expected yes/no"},
             Case{"db echo = 2", "key 'db echo': invalid value '2' (expected yes/no"},
             Case{"proxy_count = 33", "key 'proxy_count': invalid value '33' (expected"},
             Case{"proxy_count = -1", "key 'proxy_count': invalid value '-1' (expected"},
             Case{"proxy_count = two", "key 'proxy_count': invalid value 'two' (expected"},
             Case{"proxy_count =", "key 'proxy_count': invalid value '' (expected"},
             Case{"max_body_size = 0", "key 'max_body_size': invalid value '0' (expected"},
             Case{"max_body_size = 16777217", "key 'max_body_size': invalid value '16777217'"},
             Case{"max_body_size = 64k", "key 'max_body_size': invalid value '64k'"},
             Case{"db_timeout = 0.05", "key 'db_timeout': invalid value '0.05' (expected seconds"},
             Case{"db_timeout = 61", "key 'db_timeout': invalid value '61'"},
             Case{"db_timeout = 1e1", "key 'db_timeout': invalid value '1e1'"},
             Case{"db_timeout = nan", "key 'db_timeout': invalid value 'nan'"},
             Case{"db_timeout = .5", "key 'db_timeout': invalid value '.5'"},
             Case{"initdb_allowed_from = 127.0.0.1, 10.0.0.0/40",
                  "key 'initdb_allowed_from': invalid value '127.0.0.1, 10.0.0.0/40': invalid "
                  "network '10.0.0.0/40'"},
             Case{"db_uri = oracle://scott:tiger@h/db",
                  "key 'db_uri': invalid value: unsupported database scheme 'oracle'"},
         }) {
        INFO(c.line);
        const std::string err = config_error(std::string("[automx2]\n") + c.line + "\n");
        CHECK_THAT(err, StartsWith(std::string("test.conf: ") + c.expected));
    }
    // Valid edges.
    CHECK(parse_quietly("[automx2]\nproxy_count = 32\n").proxy_count == 32);
    CHECK(parse_quietly("[automx2]\nmax_body_size = 16777216\n").max_body_size == 16777216);
    CHECK(parse_quietly("[automx2]\ndb_timeout = 0.1\n").db_timeout.count() == 100);
    CHECK(parse_quietly("[automx2]\ndb_timeout = 60\n").db_timeout.count() == 60000);
}

TEST_CASE("db_uri errors never show the password", "[config]") {
    for (const char* uri : {"oracle://u:tiger@h/db", "mysql://u:tiger@h:99999/db",
                            "mysql://u:tiger@h", "mysql://u:tiger@h/db%"}) {
        INFO(uri);
        const std::string err = config_error(std::string("[automx2]\ndb_uri = ") + uri + "\n");
        CHECK_THAT(err, StartsWith("test.conf: key 'db_uri': invalid value"));
        CHECK_THAT(err, !Contains("tiger"));
    }
}

TEST_CASE("unknown keys are errors that do not echo the value", "[config]") {
    const std::string err = config_error("[automx2]\ndb_url = mysql://u:tiger@h/db\n");
    CHECK_THAT(err, StartsWith("test.conf: key 'db_url': unknown key in [automx2]"));
    CHECK_THAT(err, Contains("db_uri"));
    CHECK_THAT(err, !Contains("tiger"));
}

TEST_CASE("other sections are ignored with a warning", "[config]") {
    StderrCapture capture;
    const Config c = parse_config("[uwsgi]\nanything = goes\n[automx2]\nloglevel = INFO\n[extra]\n",
                                  "test.conf");
    const std::string out = capture.text();
    CHECK(c.log_level == alog::Level::info);
    CHECK_THAT(out, Contains("WARNING: test.conf: section [uwsgi] ignored"));
    CHECK_THAT(out, Contains("WARNING: test.conf: section [extra] ignored"));
    CHECK_THAT(out, !Contains("no [automx2] section"));
}

TEST_CASE("a file without [automx2] gives defaults and a warning", "[config]") {
    StderrCapture capture;
    const Config c = parse_config("[other]\nloglevel = DEBUG\n", "x.conf");
    const std::string out = capture.text();
    CHECK(c.log_level == alog::Level::warning);
    CHECK(c.db.in_memory);
    CHECK_THAT(out, Contains("x.conf: no [automx2] section"));
    // An empty file as well.
    StderrCapture capture2;
    CHECK(parse_config("", "empty.conf").db.in_memory);
    CHECK_THAT(capture2.text(), Contains("empty.conf: no [automx2] section"));
}

TEST_CASE("syntax errors name the line", "[config]") {
    CHECK_THAT(config_error("[automx2]\nloglevel = INFO\nthis is not ini\n"),
               StartsWith("test.conf: line 3: syntax error"));
    CHECK_THAT(config_error("[automx2\n"), StartsWith("test.conf: line 1: syntax error"));
    CHECK_THAT(config_error("loglevel = INFO\n[automx2]\n"),
               StartsWith("test.conf: line 1: key 'loglevel' before any section header"));
    // The first problem wins.
    CHECK_THAT(config_error("[automx2]\ndb_echo = no\ndb_echo = yes\nbroken\n"),
               Contains("line 3) is set twice"));
}

TEST_CASE("duplicate keys, also in both spellings", "[config]") {
    CHECK_THAT(config_error("[automx2]\ndb_uri = sqlite://\ndb uri = sqlite://\n"),
               StartsWith("test.conf: key 'db uri' (line 3) is set twice in [automx2]"));
}

TEST_CASE("indented lines continue a value, as in configparser", "[config]") {
    const Config c = parse_quietly(
        "[automx2]\ninitdb_allowed_from = 127.0.0.1\n    ::1\n    192.0.2.0/24\n"
        "loglevel = INFO\n");
    REQUIRE(c.initdb_allowed_from.size() == 3);
    CHECK(c.initdb_allowed_from[2].contains("192.0.2.9"));
    CHECK(c.log_level == alog::Level::info);
    CHECK_THAT(config_error("[automx2]\nloglevel = INFO\n  DEBUG\n"),
               Contains("invalid value 'INFO?DEBUG'"));
}

TEST_CASE("configparser interpolation: %% and %(key)s", "[config]") {
    // automx2 reads its file with configparser, so a percent-encoded password is %%-escaped.
    const Config c = parse_quietly(
        "[automx2]\ndb_uri = mysql://u:p%%40ss@h/db\nloglevel = %(level)s\n"
        "[DEFAULT]\nlevel = ERROR\n");
    CHECK(c.db.password == "p@ss");
    CHECK(c.log_level == alog::Level::error);
    CHECK_THAT(config_error("[automx2]\ndb_uri = mysql://u:p%40ss@h/db\n"),
               Contains("key 'db_uri': invalid value (expected a literal '%' written as '%%'"));
    CHECK_THAT(config_error("[automx2]\nloglevel = %(nothing)s\n"),
               Contains("%(nothing)s names no key"));
    CHECK_THAT(config_error("[automx2]\nloglevel = %(db_echo)s\ndb_echo = %(loglevel)s\n"),
               Contains("reference loop"));
}

TEST_CASE("[DEFAULT] supplies fallbacks, its unknown keys are ignored", "[config]") {
    StderrCapture capture;
    const Config c = parse_config(
        "[DEFAULT]\nproxy_count = 3\nhome = /srv\n[automx2]\nloglevel = INFO\n", "d.conf");
    const std::string out = capture.text();
    CHECK(c.proxy_count == 3);
    CHECK(c.log_level == alog::Level::info);
    CHECK_THAT(out, Contains("key 'home' in [DEFAULT] ignored"));
}

TEST_CASE("over-long lines and binary files are refused", "[config]") {
    const std::string uri = "sqlite:////" + std::string(300, 'a') + ".db";
    CHECK_THAT(config_error("[automx2]\ndb_uri = " + uri + "\nloglevel = INFO\n"),
               StartsWith("test.conf: line 2 is longer than"));
    CHECK_THAT(config_error(std::string("[automx2]\nloglevel = INFO\0\n", 27)),
               Contains("NUL byte"));
    // A long line that still fits is fine.
    const std::string fits = "sqlite:////" + std::string(150, 'b') + ".db";
    CHECK(parse_quietly("[automx2]\ndb_uri = " + fits + "\n").db.sqlite_file() ==
          "/" + std::string(150, 'b') + ".db");
}

// ---- files and the environment ------------------------------------------------------

TEST_CASE("search order: AUTOMX2_CONF, then ~/.automx2.conf", "[config][files]") {
    TempDir home;
    TempDir other;
    EnvGuard home_env("HOME", home.path().string());
    EnvGuard conf_env("AUTOMX2_CONF", std::nullopt);
    StderrCapture quiet;  // load_config warns about the in-memory database

    const std::string home_file = home.write(".automx2.conf", "[automx2]\nloglevel = INFO\n");
    CHECK(automx2::find_config_file() == home_file);
    CHECK(automx2::load_config().log_level == alog::Level::info);

    const std::string env_file = other.write("my.conf", "[automx2]\nloglevel = ERROR\n");
    {
        EnvGuard set("AUTOMX2_CONF", env_file);
        CHECK(automx2::find_config_file() == env_file);
        const Config c = automx2::load_config();
        CHECK(c.source == env_file);
        CHECK(c.log_level == alog::Level::error);
    }
    {
        // Named but missing: the search goes on, with a warning.
        EnvGuard set("AUTOMX2_CONF", (other.path() / "missing.conf").string());
        StderrCapture capture;
        CHECK(automx2::find_config_file() == home_file);
        CHECK_THAT(capture.text(), Contains("missing.conf, which does not exist"));
    }
    {
        EnvGuard set("AUTOMX2_CONF", "relative/automx2.conf");
        CHECK_THROWS_WITH(automx2::find_config_file(), Contains("not an absolute path"));
    }
    {
        // An explicit path (--config) overrides the search.
        const Config c = automx2::load_config(env_file);
        CHECK(c.log_level == alog::Level::error);
    }
}

TEST_CASE("no file anywhere: defaults and a warning", "[config][files]") {
    TempDir home;
    EnvGuard home_env("HOME", home.path().string());
    EnvGuard conf_env("AUTOMX2_CONF", std::nullopt);
    if (fs::exists("/etc/automx2/automx2.conf") || fs::exists("/etc/automx2.conf")) {
        WARN("a system-wide automx2.conf exists; skipping");
        return;
    }
    CHECK_FALSE(automx2::find_config_file());
    StderrCapture capture;
    const Config c = automx2::load_config();
    const std::string out = capture.text();
    CHECK(c.source.empty());
    CHECK(c.db.in_memory);
    CHECK(c.db.sqlite_file() == std::nullopt);
    CHECK_THAT(out, Contains("WARNING: no configuration file found"));
    CHECK_THAT(out, Contains("in-memory database"));
}

TEST_CASE("unreadable and oversized files", "[config][files]") {
    TempDir dir;
    const std::string missing = (dir.path() / "nope.conf").string();
    CHECK_THROWS_WITH(automx2::load_config(missing), StartsWith(missing + ": cannot open"));
    const std::string big = dir.write("big.conf", std::string(1024 * 1024 + 1, '#'));
    CHECK_THROWS_WITH(automx2::load_config(big), Contains("larger than"));
    CHECK_THROWS_WITH(automx2::load_config(dir.path().string()),
                      StartsWith(dir.path().string() + ": cannot"));
    const std::string bad = dir.write("bad.conf", "[automx2]\nloglevel = LOUD\n");
    CHECK_THROWS_WITH(automx2::load_config(bad),
                      StartsWith(bad + ": key 'loglevel': invalid value 'LOUD'"));
}

TEST_CASE("PERMIT_CLEARTEXT_PASSWORDS from the environment", "[config][files]") {
    TempDir dir;
    const std::string file = dir.write("a.conf", "[automx2]\ndb_uri = sqlite:////tmp/x.db\n");
    {
        EnvGuard env("PERMIT_CLEARTEXT_PASSWORDS", std::nullopt);
        CHECK_FALSE(automx2::load_config(file).permit_cleartext_passwords);
    }
    {
        EnvGuard env("PERMIT_CLEARTEXT_PASSWORDS", "I_understand_the_risks");
        CHECK(automx2::load_config(file).permit_cleartext_passwords);
    }
    {
        EnvGuard env("PERMIT_CLEARTEXT_PASSWORDS", "yes");
        StderrCapture capture;
        CHECK_FALSE(automx2::load_config(file).permit_cleartext_passwords);
        CHECK_THAT(capture.text(), Contains("PERMIT_CLEARTEXT_PASSWORDS is set but not"));
    }
}

TEST_CASE("the sample configuration parses and documents every key", "[config][files]") {
    const fs::path sample = fs::path(__FILE__).parent_path().parent_path().parent_path() /
                            "packaging" / "automx2.conf.sample";
    REQUIRE(fs::exists(sample));
    StderrCapture quiet;
    const Config c = automx2::load_config(sample.string());
    CHECK(c.log_level == alog::Level::warning);
    CHECK(c.db.sqlite_file() == "/var/lib/automx2/db.sqlite");
    CHECK(c.proxy_count == 0);
    CHECK(c.initdb_allowed_from.size() == 2);
    CHECK(c.max_body_size == 65536);
    CHECK(c.db_timeout == std::chrono::seconds(2));
    std::ifstream in(sample);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& entry : automx2::config_keys()) {
        const std::string key(entry.name);
        INFO(key);
        auto at = text.find("\n" + key + " =");
        if (at == std::string::npos) {
            at = text.find("\n#" + key + " =");  // an example of a feature that is off
        }
        REQUIRE(at != std::string::npos);
        // The line above the key is a comment.
        const std::string before = text.substr(0, at);
        const std::string line_above = before.substr(before.rfind('\n') + 1);
        CHECK_THAT(line_above, StartsWith("# "));
    }
}
