// db_uri translation (SPEC §1): SQLAlchemy URLs to SOCI connection strings.
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "core/db_uri.h"
#include "core/errors.h"

using automx2::ConfigError;
using automx2::DbTarget;
using automx2::Dialect;
using automx2::parse_db_uri;
using Catch::Matchers::Contains;

namespace {

std::string error_of(const std::string& uri) {
    try {
        parse_db_uri(uri);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
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

TEST_CASE("sqlite in-memory URLs", "[db_uri]") {
    for (const char* uri : {"sqlite:///:memory:", "sqlite://", "sqlite:///"}) {
        INFO(uri);
        const DbTarget t = parse_db_uri(uri);
        CHECK(t.dialect == Dialect::sqlite);
        CHECK(t.in_memory);
        CHECK(t.connect_string == "db=:memory:");
        CHECK(t.display == uri);
    }
}

TEST_CASE("sqlite file URLs: three slashes relative, four absolute", "[db_uri]") {
    DbTarget rel = parse_db_uri("sqlite:///relative/path.db");
    CHECK(rel.dialect == Dialect::sqlite);
    CHECK_FALSE(rel.in_memory);
    CHECK(rel.connect_string == "db=relative/path.db");

    DbTarget abs = parse_db_uri("sqlite:////var/lib/automx2/db.sqlite");
    CHECK(abs.connect_string == "db=/var/lib/automx2/db.sqlite");
    CHECK(abs.display == "sqlite:////var/lib/automx2/db.sqlite");

    CHECK(parse_db_uri("sqlite+pysqlite:////x.db").connect_string == "db=/x.db");
    CHECK(parse_db_uri("SQLite:////x.db").dialect == Dialect::sqlite);
}

TEST_CASE("sqlite paths with spaces are quoted for SOCI, double quotes refused", "[db_uri]") {
    CHECK(parse_db_uri("sqlite:////srv/my data/a b.db").connect_string ==
          "db=\"/srv/my data/a b.db\"");
    CHECK_THAT(error_of("sqlite:////srv/a\"b.db"), Contains("double quote"));
    CHECK_THAT(error_of("sqlite:///:memory:?mode=ro"), Contains("query"));
    CHECK_THAT(error_of("sqlite://host/x.db"), Contains("no user, host or port"));
}

TEST_CASE("sqlite connection strings open the named file through SOCI", "[db_uri][soci]") {
    char pattern[] = "automx2-dburi-XXXXXX";
    const auto base = std::filesystem::temp_directory_path();
    std::string templ = (base / pattern).string();
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    const std::filesystem::path dir(templ);
    for (const std::string name : {"plain.db", "with space.db", "two  spaces x=y.db", "it's.db"}) {
        INFO(name);
        const auto file = dir / name;
        const DbTarget t = parse_db_uri("sqlite:///" + file.string());  // absolute: 4 slashes
        {
            // The store appends SOCI options such as the busy timeout.
            soci::session session(soci::sqlite3, t.connect_string + " timeout=1");
            session << "create table t(x integer)";
        }
        CHECK(std::filesystem::exists(file));
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("mysql family URLs", "[db_uri]") {
    for (const char* scheme :
         {"mysql", "mysql+pymysql", "mysql+mysqldb", "mariadb", "mariadb+pymysql"}) {
        INFO(scheme);
        const DbTarget t =
            parse_db_uri(std::string(scheme) + "://automx2:secret@db.example:3307/mx");
        CHECK(t.dialect == Dialect::mysql);
        CHECK_FALSE(t.in_memory);
        CHECK(t.connect_string ==
              "db=mx user=automx2 password=secret host=db.example port=3307 charset=utf8mb4");
        CHECK(t.display == std::string(scheme) + "://automx2:***@db.example:3307/mx");
    }
}

TEST_CASE("mysql query parameters", "[db_uri]") {
    CHECK(parse_db_uri("mysql://u:p@h/db?charset=utf8").connect_string ==
          "db=db user=u password=p host=h charset=utf8");
    CHECK(
        parse_db_uri("mysql+pymysql://u@/db?unix_socket=/run/mysqld/mysqld.sock").connect_string ==
        "db=db user=u charset=utf8mb4 unix_socket=/run/mysqld/mysqld.sock");
    CHECK(parse_db_uri("mysql://u:p@h/db?ssl_ca=/etc/ca.pem").connect_string ==
          "db=db user=u password=p host=h charset=utf8mb4 sslca=/etc/ca.pem");
    const std::string err = error_of("mysql://u:p@h/db?bogus=1");
    CHECK_THAT(err, Contains("bogus"));
    CHECK_THAT(err, Contains("unix_socket"));
}

TEST_CASE("postgresql family URLs", "[db_uri]") {
    for (const char* scheme : {"postgresql", "postgresql+psycopg2", "postgres"}) {
        INFO(scheme);
        const DbTarget t = parse_db_uri(std::string(scheme) + "://automx2:secret@pg.example/mx");
        CHECK(t.dialect == Dialect::postgresql);
        CHECK(t.connect_string == "dbname=mx user=automx2 password=secret host=pg.example");
        CHECK(t.display == std::string(scheme) + "://automx2:***@pg.example/mx");
    }
    CHECK(parse_db_uri("postgresql://u@h:5433/db").connect_string ==
          "dbname=db user=u host=h port=5433");
    // A socket directory given as ?host= replaces the (absent) network host.
    CHECK(parse_db_uri("postgresql://u:p@/db?host=/run/postgresql").connect_string ==
          "dbname=db user=u password=p host=/run/postgresql");
    CHECK(parse_db_uri("postgresql://u:p@ignored/db?host=/run/postgresql&sslmode=require")
              .connect_string ==
          "dbname=db user=u password=p host=/run/postgresql sslmode=require");
    CHECK(parse_db_uri("postgresql:///db?host=/tmp").connect_string == "dbname=db host=/tmp");
}

TEST_CASE("IPv6 hosts in brackets", "[db_uri]") {
    CHECK(parse_db_uri("mysql://u:p@[::1]:3306/db").connect_string ==
          "db=db user=u password=p host=::1 port=3306 charset=utf8mb4");
    CHECK(parse_db_uri("postgresql://u:p@[2001:db8::5]/db").connect_string ==
          "dbname=db user=u password=p host=2001:db8::5");
    CHECK_THAT(error_of("mysql://u:p@[::1/db"), Contains("IPv6"));
}

TEST_CASE("credentials are percent-decoded and quoted for the target syntax", "[db_uri]") {
    // p@ss w'o\rd → %40 for '@', %20 for the space
    const DbTarget my = parse_db_uri("mysql://us%3Aer:p%40ss%20w'o%5Crd@h/db");
    CHECK(my.connect_string ==
          "db=db user=us:er password='p@ss w\\'o\\\\rd' host=h charset=utf8mb4");
    const DbTarget pg = parse_db_uri("postgresql://u:p%40s'o%5Crd@h/db");
    CHECK(pg.connect_string == "dbname=db user=u password='p@s\\'o\\\\rd' host=h");
    // SOCI 4.0 splits a PostgreSQL connection string at spaces: libpq's URI form instead.
    const DbTarget pg_space = parse_db_uri("postgresql://u:p%40ss%20w'o%5Crd@h:5433/my%20db");
    CHECK(pg_space.connect_string ==
          "postgresql:///my%2520db?user=u&password=p%40ss%20w%27o%5Crd&host=h&port=5433");
    // An empty password is still a (quoted) value; a '/' or '?' may appear in a password.
    CHECK(parse_db_uri("postgresql://u:@h/db").connect_string ==
          "dbname=db user=u password='' host=h");
    CHECK(parse_db_uri("mysql://u:a/b?c@h/db").connect_string ==
          "db=db user=u password=a/b?c host=h charset=utf8mb4");
    // Python's unquote keeps an invalid escape as it is.
    CHECK(parse_db_uri("mysql://u:100%@h/db").connect_string ==
          "db=db user=u password=100% host=h charset=utf8mb4");
    CHECK_THAT(error_of("mysql://u:a%00b@h/db"), Contains("NUL"));
}

TEST_CASE("SOCI's mysql and libpq parsers accept the quoted values", "[db_uri][soci]") {
    // No server is needed: a missing socket fails the connection after the connection
    // string was parsed, and the error names the socket path exactly as it was understood.
    const std::string odd = "/nonexistent/a b'c\\d";
    const DbTarget my =
        parse_db_uri("mysql://u%20x:p%27%5C%20q@/db?unix_socket=%2Fnonexistent%2Fa+b%27c%5Cd");
    const std::string my_err = soci_connect_error("mysql", my.connect_string);
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
        const DbTarget pg = parse_db_uri(uri);
        const std::string pg_err = soci_connect_error("postgresql", pg.connect_string);
        if (pg_err.find("Failed to find shared library") != std::string::npos) {
            WARN("SOCI postgresql backend not installed: " << pg_err);
            break;
        }
        CHECK_THAT(pg_err, !Contains("quoted string"));
        CHECK_THAT(pg_err, !Contains("invalid connection option"));
        CHECK_THAT(pg_err, Contains(socket_dir + "/.s.PGSQL.5432"));
    }
}

TEST_CASE("the display form masks every password", "[db_uri]") {
    CHECK(parse_db_uri("mysql://u:topsecret@h/db?charset=utf8").display ==
          "mysql://u:***@h/db?charset=utf8");
    CHECK(parse_db_uri("postgresql://u@h/db?password=topsecret&sslmode=require").display ==
          "postgresql://u@h/db?password=***&sslmode=require");
    CHECK(parse_db_uri("mysql://u@h/db").display == "mysql://u@h/db");
}

TEST_CASE("unknown schemes are named with the accepted ones", "[db_uri]") {
    const std::string err = error_of("oracle://u:topsecret@h/db");
    CHECK_THAT(err, Contains("'oracle'"));
    CHECK_THAT(err, Contains("sqlite"));
    CHECK_THAT(err, Contains("mysql+pymysql"));
    CHECK_THAT(err, Contains("postgresql+psycopg2"));
    CHECK_THAT(err, !Contains("topsecret"));
    CHECK_THAT(error_of("my-sql://u@h/db"), Contains("unsupported database scheme 'my-sql'"));
    CHECK_THAT(error_of("mysql:u:topsecret@h/db?next=http://x"), !Contains("topsecret"));
    CHECK_THAT(error_of("mysql://u:p@[::1]x/db"), Contains("after ']'"));
    CHECK_THAT(error_of("/var/lib/automx2.db"), Contains("scheme://"));
    CHECK_THAT(error_of(""), Contains("scheme://"));
}

TEST_CASE("malformed URLs are refused naming the problem, never the password", "[db_uri]") {
    struct Case {
        const char* uri;
        const char* problem;
    };
    for (const Case& c : {
             Case{"mysql://u:topsecret@h:99999/db", "invalid port '99999'"},
             Case{"mysql://u:topsecret@h:0/db", "invalid port '0'"},
             Case{"postgresql://u:topsecret@h:54x/db", "invalid port"},
             Case{"mysql://u:topsecret@h", "missing database name"},
             Case{"mysql://u:topsecret@h/", "missing database name"},
             Case{"postgresql://u:topsecret@h:5432", "missing database name"},
             Case{"mysql://u:topsecret@h/a/b", "invalid database name"},
             Case{"mysql://u:top@secret@h/db", "%40"},
             Case{"mysql://u:topsecret@h/db?charset", "has no value"},
             Case{"mysql://u:topsecret@h/db\nx", "control character"},
         }) {
        INFO(c.uri);
        const std::string err = error_of(c.uri);
        CHECK_THAT(err, Contains(c.problem));
        CHECK_THAT(err, !Contains("topsecret"));
        CHECK_THAT(err, !Contains("secret@"));
    }
    // A password written where the port goes is not echoed either.
    CHECK_THAT(error_of("mysql://user:topsecret/db"), !Contains("topsecret"));
    CHECK_THAT(error_of(std::string(5000, 'x')), Contains("longer than"));
}

TEST_CASE("dialect names are SOCI backend names", "[db_uri]") {
    CHECK(std::string(automx2::dialect_name(Dialect::sqlite)) == "sqlite3");
    CHECK(std::string(automx2::dialect_name(Dialect::mysql)) == "mysql");
    CHECK(std::string(automx2::dialect_name(Dialect::postgresql)) == "postgresql");
}
