// Driver strings rendered from typed db_uri targets (backends/connection_string.cpp):
// SOCI's for SQLite and MySQL/MariaDB, libpq's conninfo for PostgreSQL.
#include <libpq-fe.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "backends/connection_string.h"
#include "core/db_uri.h"
#include "core/errors.h"

using automx2::connection_string;
using automx2::parse_db_uri;
using automx2::writer_target;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace {

std::string rendered(const std::string& uri) {
    return connection_string(parse_db_uri(uri));
}

// What libpq itself reads from a connection string (either form), without connecting.
std::map<std::string, std::string> libpq_options(const std::string& conninfo) {
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(conninfo.c_str(), &error), &PQconninfoFree);
    if (!options) {
        const std::string text = error != nullptr ? error : "out of memory";
        PQfreemem(error);
        FAIL("libpq refuses '" << conninfo << "': " << text);
    }
    std::map<std::string, std::string> out;
    for (const auto* o = options.get(); o->keyword != nullptr; ++o) {
        if (o->val != nullptr) {
            out[o->keyword] = o->val;
        }
    }
    return out;
}

// The connection attempt's error text, or "connected".
std::string soci_connect_error(const std::string& backend, const std::string& connect_string) {
    try {
        soci::session session(backend, connect_string);
        return "connected";
    } catch (const std::exception& e) {
        return e.what();
    }
}

}  // namespace

TEST_CASE("sqlite: db= with the path, quoted when it has spaces", "[connection_string]") {
    CHECK(rendered("sqlite:///:memory:") == "db=:memory:");
    CHECK(rendered("sqlite://") == "db=:memory:");
    CHECK(rendered("sqlite:///relative/path.db") == "db=relative/path.db");
    CHECK(rendered("sqlite:////var/lib/automx2/db.sqlite") == "db=/var/lib/automx2/db.sqlite");
    CHECK(rendered("sqlite:////srv/my data/a b.db") == "db=\"/srv/my data/a b.db\"");
    automx2::DbTarget bad = parse_db_uri("sqlite:////x.db");
    bad.database = "/a\"b.db";  // a hand-made target the parser would have refused
    CHECK_THROWS_AS(connection_string(bad), automx2::ConfigError);
}

TEST_CASE("sqlite connection strings open the named file through SOCI",
          "[connection_string][soci]") {
    char pattern[] = "automx2-dburi-XXXXXX";
    const auto base = std::filesystem::temp_directory_path();
    std::string templ = (base / pattern).string();
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    const std::filesystem::path dir(templ);
    for (const std::string name : {"plain.db", "with space.db", "two  spaces x=y.db", "it's.db"}) {
        INFO(name);
        const auto file = dir / name;
        const auto target = parse_db_uri("sqlite:///" + file.string());  // absolute: 4 slashes
        {
            soci::session session(soci::sqlite3, connection_string(target, 1000ms));
            session << "create table t(x integer)";
        }
        CHECK(std::filesystem::exists(file));
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("mysql: SOCI keywords, charset utf8mb4 unless given", "[connection_string]") {
    CHECK(rendered("mysql://automx2:secret@db.example:3307/mx") ==
          "db=mx user=automx2 password=secret host=db.example port=3307 charset=utf8mb4");
    CHECK(rendered("mysql://u:p@h/db?charset=utf8") ==
          "db=db user=u password=p host=h charset=utf8");
    CHECK(rendered("mysql+pymysql://u@/db?unix_socket=/run/mysqld/mysqld.sock") ==
          "db=db user=u charset=utf8mb4 unix_socket=/run/mysqld/mysqld.sock");
    CHECK(rendered("mysql://u:p@h/db?ssl_ca=/etc/ca.pem") ==
          "db=db user=u password=p host=h charset=utf8mb4 sslca=/etc/ca.pem");
    CHECK(rendered("mysql://u:p@[::1]:3306/db") ==
          "db=db user=u password=p host=::1 port=3306 charset=utf8mb4");
}

TEST_CASE("postgresql: libpq keywords", "[connection_string]") {
    CHECK(rendered("postgresql://automx2:secret@pg.example/mx") ==
          "dbname=mx user=automx2 password=secret host=pg.example");
    CHECK(rendered("postgresql://u@h:5433/db") == "dbname=db user=u host=h port=5433");
    CHECK(rendered("postgresql://u:p@/db?host=/run/postgresql") ==
          "dbname=db user=u password=p host=/run/postgresql");
    CHECK(rendered("postgresql://u:p@ignored/db?host=/run/postgresql&sslmode=require") ==
          "dbname=db user=u password=p host=/run/postgresql sslmode=require");
    CHECK(rendered("postgresql:///db?host=/tmp") == "dbname=db host=/tmp");
    CHECK(rendered("postgresql://u:p@[2001:db8::5]/db") ==
          "dbname=db user=u password=p host=2001:db8::5");
}

TEST_CASE("postgresql: several hosts as libpq lists", "[connection_string]") {
    CHECK(rendered("postgresql://u:p@/db?host=h1:5432&host=h2:5433&target_session_attrs=any") ==
          "dbname=db user=u password=p host=h1,h2 port=5432,5433 target_session_attrs=any");
    // One port for all, or one each (empty: libpq's default).
    CHECK(rendered("postgresql://u@/db?host=h1&host=h2&port=6000") ==
          "dbname=db user=u host=h1,h2 port=6000");
    CHECK(rendered("postgresql://u@/db?host=h1&host=h2:5433") ==
          "dbname=db user=u host=h1,h2 port=,5433");
}

TEST_CASE("libpq reads the multi-host lists and passed-through keywords", "[connection_string]") {
    // The keyword form, and the URI form that white space in any value forces.
    for (const std::string password : {"p", "p w'\\x"}) {
        INFO(password);
        const auto target = parse_db_uri(
            "postgresql://u:" + std::string(password == "p" ? "p" : "p%20w'%5Cx") +
            "@/db?host=127.0.0.1:5432&host=[::1]:5433&host=db.example&target_session_attrs=any"
            "&sslmode=prefer&application_name=automx2");
        const auto options = libpq_options(connection_string(target, 2000ms));
        CHECK(options.at("host") == "127.0.0.1,::1,db.example");
        CHECK(options.at("port") == "5432,5433,");
        CHECK(options.at("target_session_attrs") == "any");
        CHECK(options.at("sslmode") == "prefer");
        CHECK(options.at("application_name") == "automx2");
        CHECK(options.at("password") == password);
        CHECK(options.at("dbname") == "db");
        CHECK(options.at("connect_timeout") == "2");
    }
}

TEST_CASE("writes ask libpq for the primary", "[connection_string]") {
    for (const char* uri : {"postgresql://u@/db?host=h1&host=h2",
                            "postgresql://u@/db?host=h1&host=h2&target_session_attrs=any",
                            "postgresql://u@/db?host=h1&target_session_attrs=prefer-standby"}) {
        INFO(uri);
        const auto options = libpq_options(connection_string(writer_target(parse_db_uri(uri))));
        CHECK(options.at("target_session_attrs") == "read-write");
    }
    // Reads keep what db_uri says; other dialects write where they read.
    CHECK(libpq_options(rendered("postgresql://u@/db?host=h1&target_session_attrs=standby"))
              .at("target_session_attrs") == "standby");
    const auto my = parse_db_uri("mysql://u@h/db");
    CHECK(connection_string(writer_target(my)) == connection_string(my));
    // Sessions of their own only where a standby may be among the hosts.
    CHECK(automx2::separate_writer(parse_db_uri("postgresql://u@/db?host=h1&host=h2")));
    CHECK(automx2::separate_writer(parse_db_uri("postgresql://u@/db?host=h1,h2")));
    CHECK(automx2::separate_writer(parse_db_uri("postgresql://u@h1/db?host=/run/postgresql,h2")));
    CHECK_FALSE(automx2::separate_writer(parse_db_uri("postgresql://u@h1/db")));
    CHECK_FALSE(automx2::separate_writer(parse_db_uri("postgresql://u@/db?host=/run/postgresql")));
    CHECK_FALSE(automx2::separate_writer(my));
}

TEST_CASE("credentials are quoted for the target syntax", "[connection_string]") {
    CHECK(rendered("mysql://us%3Aer:p%40ss%20w'o%5Crd@h/db") ==
          "db=db user=us:er password='p@ss w\\'o\\\\rd' host=h charset=utf8mb4");
    CHECK(rendered("postgresql://u:p%40s'o%5Crd@h/db") ==
          "dbname=db user=u password='p@s\\'o\\\\rd' host=h");
    // SOCI 4.0 splits a PostgreSQL connection string at spaces: libpq's URI form instead.
    CHECK(rendered("postgresql://u:p%40ss%20w'o%5Crd@h:5433/my%20db") ==
          "postgresql:///my%2520db?user=u&password=p%40ss%20w%27o%5Crd&host=h&port=5433");
    CHECK(rendered("postgresql://u:@h/db") == "dbname=db user=u password='' host=h");
    CHECK(rendered("mysql://u:a/b?c@h/db") == "db=db user=u password=a/b?c host=h charset=utf8mb4");
    CHECK(rendered("mysql://u:100%@h/db") == "db=db user=u password=100% host=h charset=utf8mb4");
}

TEST_CASE("timeouts: every wait bounded, a db_uri parameter wins", "[connection_string]") {
    CHECK(connection_string(parse_db_uri("sqlite:////x.db"), 2500ms) == "db=/x.db timeout=3");
    CHECK(connection_string(parse_db_uri("mysql://u@h/db"), 2000ms) ==
          "db=db user=u host=h charset=utf8mb4 connect_timeout=2 read_timeout=2 write_timeout=2");
    CHECK(connection_string(parse_db_uri("postgresql://u@h/db"), 1000ms) ==
          "dbname=db user=u host=h connect_timeout=2 keepalives=1 keepalives_idle=30 "
          "keepalives_interval=1 keepalives_count=2 tcp_user_timeout=1000");
    CHECK(connection_string(parse_db_uri("postgresql://u@h/db?connect_timeout=9"), 1000ms)
              .starts_with("dbname=db user=u host=h connect_timeout=9 keepalives=1 "));
    CHECK(connection_string(parse_db_uri("postgresql://u:a%20b@h/db"), 3000ms) ==
          "postgresql:///db?user=u&password=a%20b&host=h&connect_timeout=3&keepalives=1&"
          "keepalives_idle=30&keepalives_interval=3&keepalives_count=2&tcp_user_timeout=3000");
}

TEST_CASE("SOCI's mysql and libpq parsers accept the quoted values", "[connection_string][soci]") {
    // No server is needed: a missing socket fails the connection after the connection
    // string was parsed, and the error names the socket path exactly as it was understood.
    const std::string odd = "/nonexistent/a b'c\\d";
    const auto my =
        parse_db_uri("mysql://u%20x:p%27%5C%20q@/db?unix_socket=%2Fnonexistent%2Fa+b%27c%5Cd");
    const std::string my_err = soci_connect_error("mysql", connection_string(my));
    if (my_err.find("Failed to find shared library") != std::string::npos) {
        WARN("SOCI mysql backend not installed: " << my_err);
    } else {
        CHECK_THAT(my_err, !Contains("Malformed"));
        CHECK_THAT(my_err, Contains(odd));
    }
    // PostgreSQL: once in conninfo syntax (no space), once as a URI (with spaces).
    const std::pair<std::string, std::string> pg_cases[] = {
        {"postgresql://u%27x:p%27%5Cq@/db?host=%2Fnonexistent%2Fa%27c%5Cd", "/nonexistent/a'c\\d"},
        {"postgresql://u%20x:p%27%5C%20q@/db?host=%2Fnonexistent%2Fa+b%27c%5Cd", odd},
    };
    for (const auto& [uri, socket_dir] : pg_cases) {
        INFO(uri);
        const std::string pg_err =
            soci_connect_error("postgresql", connection_string(parse_db_uri(uri)));
        if (pg_err.find("Failed to find shared library") != std::string::npos) {
            WARN("SOCI postgresql backend not installed: " << pg_err);
            break;
        }
        CHECK_THAT(pg_err, !Contains("quoted string"));
        CHECK_THAT(pg_err, !Contains("invalid connection option"));
        CHECK_THAT(pg_err, Contains(socket_dir + "/.s.PGSQL.5432"));
    }
}

TEST_CASE("libpq takes the multi-host lists and tries every host", "[connection_string][soci]") {
    // Two closed loopback ports: libpq reports a refusal for each, in order.
    const auto target = parse_db_uri("postgresql://u:p@/db?host=127.0.0.1:1&host=[::1]:2");
    const std::string err = soci_connect_error("postgresql", connection_string(target, 2000ms));
    if (err.find("Failed to find shared library") != std::string::npos) {
        WARN("SOCI postgresql backend not installed: " << err);
        return;
    }
    CHECK_THAT(err, !Contains("invalid"));
    CHECK_THAT(err, Contains("port 1 failed"));
    CHECK_THAT(err, Contains("port 2 failed"));
}
