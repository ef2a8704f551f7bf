# Packaging (cmake/packaging.cmake): the installed CMake package and pkg-config files, used from an
# outside project; and the Conan recipe kept consistent with the CMake package.
if(TARGET eos_kafka_sink AND TARGET refbroker_embedded AND TARGET kctl)
  add_test(NAME packaging_install
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/packaging/install_package_test.sh ${CMAKE_BINARY_DIR}
                   ${CMAKE_SOURCE_DIR} ${CMAKE_COMMAND})
  set_tests_properties(packaging_install PROPERTIES LABELS integration TIMEOUT 600)
endif()

# conan/conanfile.py parsed with ast (Conan is not installed here) against this tree's export
# files and .pc files: same components, target names, libraries, requires, pkg-config names.
add_test(NAME packaging_conan_consistency
         COMMAND /usr/bin/python3 -B ${CMAKE_CURRENT_SOURCE_DIR}/packaging/conan_consistency.py
                 --source-dir ${CMAKE_SOURCE_DIR} --build-dir ${CMAKE_BINARY_DIR})
set_tests_properties(packaging_conan_consistency PROPERTIES LABELS unit TIMEOUT 60)
