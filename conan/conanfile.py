# Conan 2 recipe for kafkaplus: builds the project with its own CMake and packages what
# `cmake --install` installs (cmake/packaging.cmake). package_info() mirrors the CMake package:
# the same components, kafkaplus::* target names, library names and pkg-config names.
# tests/packaging/conan_consistency.py (ctest packaging_conan_consistency) checks that against the
# build tree's export files, since Conan cannot run on the development machine (conan/README.md).
import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir
from conan.tools.gnu import PkgConfigDeps

required_conan_version = ">=2.0"


class KafkaplusConan(ConanFile):
    name = "kafkaplus"
    description = ("A C++20 Kafka toolkit: a client with librdkafka-compatible headers, an exactly-once "
                   "Kafka-to-SQL sink (eos) and refbroker, an embeddable reference broker")
    topics = ("kafka", "librdkafka", "exactly-once", "broker")
    settings = "os", "arch", "compiler", "build_type"
    # with_* options map onto the CMake cache variables KAFKAPLUS_WITH_* (ON/OFF). Snappy and
    # OpenSSL cannot be left out of the build yet: those options have one value until the CMake
    # build grows the switch.
    options = {
        "with_soci": [True, False],          # eos, eos_sink (SOCI with sqlite3 and mysql backends)
        "with_mysqlcppconn": [True, False],  # eos_mysqlcppconn (system MySQL Connector/C++ 1.1, JDBC API)
        "with_snappy": [True],
        "with_ssl": [True],
    }
    default_options = {
        "with_soci": True,
        "with_mysqlcppconn": False,
        "with_snappy": True,
        "with_ssl": True,
        "boost/*:header_only": True,  # only Asio's headers are used
        "soci/*:with_sqlite3": True,
        "soci/*:with_mysql": True,
    }

    def set_version(self):
        # One version, the CMake project's.
        cmakelists = load(self, os.path.join(self.recipe_folder, "..", "CMakeLists.txt"))
        self.version = re.search(r"project\(kafkaplus VERSION ([0-9.]+)", cmakelists).group(1)

    def export_sources(self):
        root = os.path.join(self.recipe_folder, "..")
        copy(self, "CMakeLists.txt", root, self.export_sources_folder)
        for folder in ("cmake", "client", "broker", "eos", "sql"):
            copy(self, "*", os.path.join(root, folder), os.path.join(self.export_sources_folder, folder),
                 excludes=("build*", "*/build*"))

    def layout(self):
        cmake_layout(self)

    def validate(self):
        check_min_cppstd(self, 20)
        if self.settings.os != "Linux":
            raise ConanInvalidConfiguration("kafkaplus builds on Linux only (epoll, sendfile, ELF version scripts)")
        if self.options.with_mysqlcppconn and not self.options.with_soci:
            raise ConanInvalidConfiguration("with_mysqlcppconn needs with_soci (eos)")

    def requirements(self):
        self.requires("zlib/[>=1.2.11 <2]")
        self.requires("lz4/[>=1.9 <2]")
        self.requires("zstd/[>=1.5 <2]")
        if self.options.with_snappy:
            self.requires("snappy/[>=1.1 <2]")
        if self.options.with_ssl:
            self.requires("openssl/[>=3 <4]")
        # Boost.Asio: headers only, inside refbroker and the client; no installed header includes it.
        self.requires("boost/[>=1.74 <2]", visible=False)
        if self.options.with_soci:
            self.requires("soci/[>=4.0 <5]")
            self.requires("sqlite3/[>=3.35 <4]")

    def build_requirements(self):
        self.tool_requires("pkgconf/[>=2 <3]")  # the CMake build finds lz4, zstd, snappy with pkg-config

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["KAFKAPLUS_BUILD_TESTS"] = "OFF"
        tc.cache_variables["KAFKAPLUS_BUILD_EXAMPLES"] = "OFF"
        tc.cache_variables["KAFKAPLUS_BUILD_BENCHMARKS"] = "OFF"
        tc.cache_variables["KAFKAPLUS_WITH_SOCI"] = "ON" if self.options.with_soci else "OFF"
        tc.cache_variables["KAFKAPLUS_WITH_MYSQLCPPCONN"] = "ON" if self.options.with_mysqlcppconn else "OFF"
        tc.generate()
        CMakeDeps(self).generate()
        PkgConfigDeps(self).generate()  # found through the toolchain's PKG_CONFIG_PATH

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        CMake(self).install()
        # Consumers get Conan's generated config and .pc files, made from package_info() below.
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "kafkaplus")
        # The root .pc would be "kafkaplus", which is the client's name here.
        self.cpp_info.set_property("pkg_config_name", "kafkaplus-all")

        compression = ["zlib::zlib", "lz4::lz4", "zstd::zstd"]
        if self.options.with_snappy:
            compression.append("snappy::snappy")
        ssl = ["openssl::openssl"] if self.options.with_ssl else []

        client = self.cpp_info.components["client"]
        client.set_property("cmake_target_name", "kafkaplus::kafkaplus")
        client.set_property("pkg_config_name", "kafkaplus")
        client.set_property("pkg_config_aliases", ["rdkafka", "rdkafka++"])
        client.libs = ["kafkaplus"]
        client.requires = compression + ssl
        client.system_libs = ["pthread", "m", "dl"]

        refbroker = self.cpp_info.components["refbroker"]
        refbroker.set_property("cmake_target_name", "kafkaplus::refbroker")
        refbroker.set_property("pkg_config_name", "kafkaplus-refbroker")
        refbroker.libs = ["kafkaplus-refbroker"]
        refbroker.includedirs = [os.path.join("include", "kafkaplus")]
        refbroker.requires = compression + ssl
        refbroker.system_libs = ["pthread"]
        # bin/refbroker and bin/kctl (imported executables kafkaplus::refbroker_server and
        # kafkaplus::kctl in the CMake package) reach Conan users through the run environment.
        self.cpp_info.bindirs = ["bin"]

        if self.options.with_soci:
            eos = self.cpp_info.components["eos"]
            eos.set_property("cmake_target_name", "kafkaplus::eos")
            eos.set_property("pkg_config_name", "kafkaplus-eos-core")
            eos.libs = ["kafkaplus-eos"]
            eos.requires = ["soci::soci_mysql", "soci::soci_sqlite3", "soci::soci_core", "sqlite3::sqlite3"]
            eos.system_libs = ["pthread", "dl"]

            sink = self.cpp_info.components["eos_sink"]
            sink.set_property("cmake_target_name", "kafkaplus::eos_sink")
            sink.set_property("pkg_config_name", "kafkaplus-eos")
            sink.libs = ["kafkaplus-eos-sink"]
            sink.requires = ["eos", "client"]

        if self.options.with_mysqlcppconn:
            connector = self.cpp_info.components["eos_mysqlcppconn"]
            connector.set_property("cmake_target_name", "kafkaplus::eos_mysqlcppconn")
            connector.set_property("pkg_config_name", "kafkaplus-eos-mysqlcppconn")
            connector.libs = ["kafkaplus-eos-mysqlcppconn"]
            connector.requires = ["eos"]
            connector.system_libs = ["mysqlcppconn"]  # not on ConanCenter (its package is the X DevAPI)
