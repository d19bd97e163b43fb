# Installation layout and the Debian package (issue 5).
#
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build
#   (cd build && cpack -G DEB)      → automx2-fcgi_<version>_<arch>.deb
#
# The package installs the binary to /usr/sbin, /etc/automx2/automx2.conf (a conffile,
# from packaging/automx2.conf.sample with the packaged database path), the systemd units
# to /lib/systemd/system, the man page automx2-fcgi(8) and the web server, spawn-fcgi
# and OpenRC samples under /usr/share/doc/automx2-fcgi/examples. Its maintainer scripts
# (packaging/debian/) create the system user automx2 and /var/lib/automx2.

set(AUTOMX2_PACKAGE_DB_URI "sqlite:////var/lib/automx2/automx2.sqlite")
set(AUTOMX2_DOC_DIR share/doc/automx2-fcgi)
set(AUTOMX2_PKG_DIR ${CMAKE_SOURCE_DIR}/packaging)
set(AUTOMX2_GEN_DIR ${CMAKE_BINARY_DIR}/packaging)

# The configuration file as packaged: the sample with db_uri in the state directory.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${AUTOMX2_PKG_DIR}/automx2.conf.sample)
file(READ ${AUTOMX2_PKG_DIR}/automx2.conf.sample AUTOMX2_SAMPLE_CONF)
string(REGEX REPLACE "\ndb_uri[ \t]*=[^\n]*" "\ndb_uri = ${AUTOMX2_PACKAGE_DB_URI}"
       AUTOMX2_PACKAGED_CONF "${AUTOMX2_SAMPLE_CONF}")
if(AUTOMX2_PACKAGED_CONF STREQUAL AUTOMX2_SAMPLE_CONF)
    message(FATAL_ERROR "packaging/automx2.conf.sample has no 'db_uri = ...' line to set")
endif()
file(WRITE ${AUTOMX2_GEN_DIR}/automx2.conf "${AUTOMX2_PACKAGED_CONF}")

# The man page, compressed as Debian wants it (-n: no name or time stamp inside).
find_program(GZIP gzip REQUIRED)
add_custom_command(
    OUTPUT ${AUTOMX2_GEN_DIR}/automx2-fcgi.8.gz
    COMMAND ${GZIP} -9n -c ${AUTOMX2_PKG_DIR}/automx2-fcgi.8 > ${AUTOMX2_GEN_DIR}/automx2-fcgi.8.gz
    DEPENDS ${AUTOMX2_PKG_DIR}/automx2-fcgi.8
    COMMENT "Compressing the man page" VERBATIM)
add_custom_target(automx2_manpage ALL DEPENDS ${AUTOMX2_GEN_DIR}/automx2-fcgi.8.gz)

# Debian's copyright file and a changelog (a native package: changelog.gz).
add_custom_command(
    OUTPUT ${AUTOMX2_GEN_DIR}/changelog.gz
    COMMAND ${CMAKE_COMMAND} -E echo
            "automx2-fcgi (${PROJECT_VERSION}) unstable; urgency=medium"
            > ${AUTOMX2_GEN_DIR}/changelog
    COMMAND ${CMAKE_COMMAND} -E echo "" >> ${AUTOMX2_GEN_DIR}/changelog
    COMMAND ${CMAKE_COMMAND} -E echo "  * Built from the source tree with CPack."
            >> ${AUTOMX2_GEN_DIR}/changelog
    COMMAND ${CMAKE_COMMAND} -E echo "" >> ${AUTOMX2_GEN_DIR}/changelog
    COMMAND ${CMAKE_COMMAND} -E echo
            " -- automx2-fcgi maintainers <automx2-fcgi@example.org>  Wed, 01 Jan 2025 00:00:00 +0000"
            >> ${AUTOMX2_GEN_DIR}/changelog
    COMMAND ${GZIP} -9nf ${AUTOMX2_GEN_DIR}/changelog
    COMMENT "Writing changelog.gz" VERBATIM)
add_custom_target(automx2_changelog ALL DEPENDS ${AUTOMX2_GEN_DIR}/changelog.gz)

# Never overwrite an operator's configuration on `cmake --install` (the package marks
# it a conffile instead; its staging directory never holds one).
install(CODE "
    if(EXISTS \"\$ENV{DESTDIR}/etc/automx2/automx2.conf\")
        message(STATUS \"Keeping the existing /etc/automx2/automx2.conf\")
    else()
        file(INSTALL DESTINATION /etc/automx2 TYPE FILE FILES \"${AUTOMX2_GEN_DIR}/automx2.conf\")
    endif()")
install(FILES ${AUTOMX2_PKG_DIR}/systemd/automx2-fcgi.service
              ${AUTOMX2_PKG_DIR}/systemd/automx2-fcgi.socket
        DESTINATION /lib/systemd/system COMPONENT service)
install(FILES ${AUTOMX2_GEN_DIR}/automx2-fcgi.8.gz DESTINATION share/man/man8)
install(FILES ${AUTOMX2_PKG_DIR}/debian/copyright ${AUTOMX2_GEN_DIR}/changelog.gz
        DESTINATION ${AUTOMX2_DOC_DIR})
install(FILES ${AUTOMX2_PKG_DIR}/automx2.conf.sample DESTINATION ${AUTOMX2_DOC_DIR}/examples)
install(FILES ${AUTOMX2_PKG_DIR}/nginx/automx2.conf ${AUTOMX2_PKG_DIR}/nginx/automx2-fleet.conf
        DESTINATION ${AUTOMX2_DOC_DIR}/examples/nginx)
install(FILES ${AUTOMX2_PKG_DIR}/apache/automx2.conf
        DESTINATION ${AUTOMX2_DOC_DIR}/examples/apache)
install(FILES ${AUTOMX2_PKG_DIR}/spawn-fcgi/README.md
        DESTINATION ${AUTOMX2_DOC_DIR}/examples/spawn-fcgi)
install(FILES ${AUTOMX2_PKG_DIR}/openrc/automx2-fcgi
        DESTINATION ${AUTOMX2_DOC_DIR}/examples/openrc)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME automx2-fcgi)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "automx2-fcgi maintainers <automx2-fcgi@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "mail client auto-configuration service (FastCGI)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the long description.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "automx2-fcgi answers the auto-configuration requests of mail clients:
Mozilla Autoconfig (Thunderbird), Microsoft Autodiscover (Outlook) and Apple
Mobileconfig profiles. It is a drop-in successor of automx2, reading its
configuration file and database (SQLite, MySQL/MariaDB, PostgreSQL).

It runs behind nginx or Apache (mod_fcgid) as a FastCGI application, under
systemd (socket activation, hardened unit), spawn-fcgi or OpenRC.")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx | apache2, libapache2-mod-fcgid, spawn-fcgi")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${AUTOMX2_PKG_DIR}/debian/conffiles
    ${AUTOMX2_PKG_DIR}/debian/postinst
    ${AUTOMX2_PKG_DIR}/debian/prerm
    ${AUTOMX2_PKG_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# The package's files only: not the build tree's test programs.
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};ALL;/")
include(CPack)
