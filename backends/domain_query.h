// The lookup of one domain (DomainRecord) as one prepared statement: one round trip,
// one consistent snapshot without an explicit transaction.
#pragma once

#include <soci/soci.h>

#include <optional>
#include <string>

#include "core/model.h"

namespace automx2 {

class DomainQuery {
  public:
    // `domain_match` is backends/schema.h's domain_match(); `generation` tells the
    // caller when it changed and the statement must be made again.
    // `own_rows`: the record without provider_domains (the write path's comparison).
    enum class Scope { lookup, own_rows };
    DomainQuery(soci::session& session, const std::string& domain_match, unsigned generation,
                Scope scope = Scope::lookup);
    DomainQuery(const DomainQuery&) = delete;
    DomainQuery& operator=(const DomainQuery&) = delete;

    unsigned generation() const { return generation_; }

    // `domain` lower-case; throws soci::soci_error, BadData for a dangling LDAP reference.
    std::optional<DomainRecord> run(const std::string& domain);

    // The result columns, shared by every row kind; what each means depends on the kind
    // (the named columns in domain_query.cpp).
    struct Row {
        int kind = 0;
        long id = 0;
        long numbers[4] = {};
        soci::indicator number_ind[4] = {};
        long sort[2] = {};
        soci::indicator sort_ind[2] = {};
        std::string texts[12];
        soci::indicator text_ind[12] = {};
    };

  private:
    const unsigned generation_;
    Row row_;
    std::string domain_, exact_;
    soci::statement statement_;
};

}  // namespace automx2
