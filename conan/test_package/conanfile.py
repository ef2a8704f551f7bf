# Builds and runs a consumer of the kafkaplus package: test_package.cpp against an in-process
# refbroker (client C and C++ API, refbroker, and eos when the package has it).
import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, cmake_layout


class KafkaplusTestPackage(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps", "CMakeToolchain", "VirtualRunEnv"
    test_type = "explicit"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def build(self):
        cmake = CMake(self)
        with_eos = bool(self.dependencies["kafkaplus"].options.with_soci)
        cmake.configure(variables={"KAFKAPLUS_TEST_EOS": "ON" if with_eos else "OFF"})
        cmake.build()

    def test(self):
        if can_run(self):
            self.run(os.path.join(self.cpp.build.bindir, "test_package"), env="conanrun")
