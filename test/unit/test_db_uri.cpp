// db_uri parsing (SPEC §1): SQLAlchemy URLs to a typed DbTarget. The driver strings
// rendered from these targets are tested in test_connection_string.cpp.
#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "core/db_uri.h"
#include "core/errors.h"

using automx2::ConfigError;
using automx2::DbHost;
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

using Params = std::vector<std::pair<std::string, std::string>>;

bool same_hosts(const DbTarget& t, const std::vector<DbHost>& hosts) {
    if (t.hosts.size() != hosts.size()) {
        return false;
    }
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        if (t.hosts[i].name != hosts[i].name || t.hosts[i].port != hosts[i].port) {
            return false;
        }
    }
    return true;
}

}  // namespace

TEST_CASE("sqlite in-memory URLs", "[db_uri]") {
    for (const char* uri : {"sqlite:///:memory:", "sqlite://", "sqlite:///"}) {
        INFO(uri);
        const DbTarget t = parse_db_uri(uri);
        CHECK(t.dialect == Dialect::sqlite);
        CHECK(t.in_memory);
        CHECK(t.database.empty());
        CHECK(t.sqlite_file() == std::nullopt);
        CHECK(t.display == uri);
    }
}

TEST_CASE("sqlite file URLs: three slashes relative, four absolute", "[db_uri]") {
    DbTarget rel = parse_db_uri("sqlite:///relative/path.db");
    CHECK(rel.dialect == Dialect::sqlite);
    CHECK_FALSE(rel.in_memory);
    CHECK(rel.database == "relative/path.db");
    CHECK(rel.sqlite_file() == "relative/path.db");

    DbTarget abs = parse_db_uri("sqlite:////var/lib/automx2/db.sqlite");
    CHECK(abs.sqlite_file() == "/var/lib/automx2/db.sqlite");
    CHECK(abs.display == "sqlite:////var/lib/automx2/db.sqlite");
    CHECK(abs.hosts.empty());
    CHECK_FALSE(abs.user);

    CHECK(parse_db_uri("sqlite+pysqlite:////x.db").sqlite_file() == "/x.db");
    CHECK(parse_db_uri("SQLite:////x.db").dialect == Dialect::sqlite);
    CHECK(parse_db_uri("mysql://u@h/db").sqlite_file() == std::nullopt);
}

TEST_CASE("sqlite paths with spaces are kept, double quotes refused", "[db_uri]") {
    CHECK(parse_db_uri("sqlite:////srv/my data/a b.db").sqlite_file() == "/srv/my data/a b.db");
    CHECK_THAT(error_of("sqlite:////srv/a\"b.db"), Contains("double quote"));
    CHECK_THAT(error_of("sqlite:/// x.db"), Contains("begin with a space"));
    CHECK_THAT(error_of("sqlite:///:memory:?mode=ro"), Contains("query"));
    CHECK_THAT(error_of("sqlite://host/x.db"), Contains("no user, host or port"));
}

TEST_CASE("mysql family URLs", "[db_uri]") {
    for (const char* scheme :
         {"mysql", "mysql+pymysql", "mysql+mysqldb", "mariadb", "mariadb+pymysql"}) {
        INFO(scheme);
        const DbTarget t =
            parse_db_uri(std::string(scheme) + "://automx2:secret@db.example:3307/mx");
        CHECK(t.dialect == Dialect::mysql);
        CHECK_FALSE(t.in_memory);
        CHECK(t.database == "mx");
        CHECK(t.user == "automx2");
        CHECK(t.password == "secret");
        CHECK(same_hosts(t, {DbHost{"db.example", std::nullopt}}));
        CHECK(t.port == 3307u);
        CHECK_FALSE(t.socket);
        CHECK(t.parameters.empty());
        CHECK(t.display == std::string(scheme) + "://automx2:***@db.example:3307/mx");
    }
}

TEST_CASE("mysql query parameters", "[db_uri]") {
    CHECK(parse_db_uri("mysql://u:p@h/db?charset=utf8").parameters == Params{{"charset", "utf8"}});
    const DbTarget sock = parse_db_uri("mysql+pymysql://u@/db?unix_socket=/run/mysqld/mysqld.sock");
    CHECK(sock.socket == "/run/mysqld/mysqld.sock");
    CHECK(sock.hosts.empty());
    CHECK_FALSE(sock.password);
    CHECK(sock.parameters.empty());
    CHECK(parse_db_uri("mysql://u:p@h/db?ssl_ca=/etc/ca.pem&charset=a&charset=b").parameters ==
          Params{{"ssl_ca", "/etc/ca.pem"}, {"charset", "b"}});
    const std::string err = error_of("mysql://u:p@h/db?bogus=1");
    CHECK_THAT(err, Contains("bogus"));
    CHECK_THAT(err, Contains("unix_socket"));
    CHECK_THAT(error_of("mysql://u:p@h/db?host=x"), Contains("'host'"));
}

TEST_CASE("postgresql family URLs", "[db_uri]") {
    for (const char* scheme : {"postgresql", "postgresql+psycopg2", "postgres"}) {
        INFO(scheme);
        const DbTarget t = parse_db_uri(std::string(scheme) + "://automx2:secret@pg.example/mx");
        CHECK(t.dialect == Dialect::postgresql);
        CHECK(t.database == "mx");
        CHECK(t.user == "automx2");
        CHECK(t.password == "secret");
        CHECK(same_hosts(t, {DbHost{"pg.example", std::nullopt}}));
        CHECK_FALSE(t.port);
        CHECK(t.display == std::string(scheme) + "://automx2:***@pg.example/mx");
    }
    const DbTarget port = parse_db_uri("postgresql://u@h:5433/db");
    CHECK(same_hosts(port, {DbHost{"h", std::nullopt}}));
    CHECK(port.port == 5433u);
    // A socket directory given as ?host= replaces the (absent or given) network host.
    const DbTarget sock = parse_db_uri("postgresql://u:p@/db?host=/run/postgresql");
    CHECK(sock.socket == "/run/postgresql");
    CHECK(sock.hosts.empty());
    const DbTarget replaced =
        parse_db_uri("postgresql://u:p@ignored/db?host=/run/postgresql&sslmode=require");
    CHECK(replaced.socket == "/run/postgresql");
    CHECK(replaced.hosts.empty());
    CHECK(replaced.parameters == Params{{"sslmode", "require"}});
    const DbTarget bare = parse_db_uri("postgresql:///db?host=/tmp");
    CHECK(bare.socket == "/tmp");
    CHECK_FALSE(bare.user);
    // Keywords that name the authority's parts replace them.
    const DbTarget named = parse_db_uri("postgresql://u@h/db?user=v&dbname=other&port=5434");
    CHECK(named.user == "v");
    CHECK(named.database == "other");
    CHECK(named.port == 5434u);
    CHECK_THAT(error_of("postgresql://u@h/db?Bad-Key=1"), Contains("invalid query parameter"));
}

TEST_CASE("several PostgreSQL hosts (SQLAlchemy's multi-host form)", "[db_uri]") {
    const DbTarget t = parse_db_uri(
        "postgresql://u:p@/db?host=h1:5432&host=h2:5433&target_session_attrs=read-write");
    CHECK(same_hosts(t, {DbHost{"h1", 5432u}, DbHost{"h2", 5433u}}));
    CHECK(t.parameters == Params{{"target_session_attrs", "read-write"}});
    // libpq's own comma list, bracketed and bare IPv6, hosts without a port.
    const DbTarget list = parse_db_uri("postgresql://u@ignored:1/db?host=a,[::1]:6000&host=::2");
    CHECK(same_hosts(
        list, {DbHost{"a", std::nullopt}, DbHost{"::1", 6000u}, DbHost{"::2", std::nullopt}}));
    CHECK(list.port == 1u);  // the authority's port stays the default of the others
    CHECK_THAT(error_of("postgresql://u:topsecret@/db?host=h1:99999"), Contains("invalid port"));
    CHECK_THAT(error_of("postgresql://u@/db?host=h1,"), Contains("empty host"));
}

TEST_CASE("several PostgreSQL hosts: bounds and socket directories", "[db_uri]") {
    std::string many = "postgresql://u@/db?host=h0";
    for (int i = 1; i < 32; ++i) {
        many += ",h" + std::to_string(i);
    }
    CHECK(parse_db_uri(many).hosts.size() == 32);
    CHECK_THAT(error_of(many + "&host=h32"), Contains("more than 32 hosts"));
    CHECK_THAT(error_of("postgresql://u@/db?host=" + std::string(254, 'a')),
               Contains("longer than 253"));
    // A socket directory in the list is taken as one (libpq tries it after the hosts).
    const DbTarget mixed = parse_db_uri("postgresql://u@/db?host=/run/postgresql,h1&host=h2:5433");
    CHECK(same_hosts(mixed, {DbHost{"h1", std::nullopt}, DbHost{"h2", 5433u}}));
    CHECK(mixed.socket == "/run/postgresql");
    CHECK_THAT(error_of("postgresql://u@/db?host=/a,/b"), Contains("more than one socket"));
    // Every other libpq keyword passes through in URL order; a repeated one keeps the last.
    const DbTarget params = parse_db_uri(
        "postgresql://u@/db?host=h1&sslmode=require&target_session_attrs=any&"
        "application_name=automx2&target_session_attrs=prefer-standby&load_balance_hosts=random");
    CHECK(params.parameters == Params{{"sslmode", "require"},
                                      {"target_session_attrs", "prefer-standby"},
                                      {"application_name", "automx2"},
                                      {"load_balance_hosts", "random"}});
    CHECK_THAT(error_of("postgresql://u@/db?host=h1&Bad-Key=1"),
               Contains("invalid query parameter"));
}

TEST_CASE("IPv6 hosts in brackets", "[db_uri]") {
    const DbTarget my = parse_db_uri("mysql://u:p@[::1]:3306/db");
    CHECK(same_hosts(my, {DbHost{"::1", std::nullopt}}));
    CHECK(my.port == 3306u);
    CHECK(same_hosts(parse_db_uri("postgresql://u:p@[2001:db8::5]/db"),
                     {DbHost{"2001:db8::5", std::nullopt}}));
    CHECK_THAT(error_of("mysql://u:p@[::1/db"), Contains("IPv6"));
}

TEST_CASE("credentials are percent-decoded", "[db_uri]") {
    // p@ss w'o\rd → %40 for '@', %20 for the space
    const DbTarget my = parse_db_uri("mysql://us%3Aer:p%40ss%20w'o%5Crd@h/db");
    CHECK(my.user == "us:er");
    CHECK(my.password == "p@ss w'o\\rd");
    // The database name is taken as written (SQLAlchemy does not decode it).
    const DbTarget pg = parse_db_uri("postgresql://u:p%40ss%20w'o%5Crd@h:5433/my%20db");
    CHECK(pg.database == "my%20db");
    CHECK(pg.password == "p@ss w'o\\rd");
    // An empty password is still a value; a '/' or '?' may appear in a password.
    CHECK(parse_db_uri("postgresql://u:@h/db").password == "");
    CHECK(parse_db_uri("mysql://u:a/b?c@h/db").password == "a/b?c");
    // Python's unquote keeps an invalid escape as it is.
    CHECK(parse_db_uri("mysql://u:100%@h/db").password == "100%");
    CHECK_THAT(error_of("mysql://u:a%00b@h/db"), Contains("NUL"));
    // Query values: '+' is a space.
    CHECK(parse_db_uri("mysql://u@/db?unix_socket=%2Fa+b").socket == "/a b");
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

TEST_CASE("dialect names", "[db_uri]") {
    CHECK(std::string(automx2::dialect_name(Dialect::sqlite)) == "sqlite3");
    CHECK(std::string(automx2::dialect_name(Dialect::mysql)) == "mysql");
    CHECK(std::string(automx2::dialect_name(Dialect::postgresql)) == "postgresql");
}
