# Builds the .deb with cpack and checks that it installs the program, the desktop
# integration files and the examples.
file(GLOB old ${BUILD_DIR}/nemoscope_*.deb)
if(old)
    file(REMOVE ${old})
endif()
execute_process(COMMAND ${CPACK} -G DEB WORKING_DIRECTORY ${BUILD_DIR}
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "cpack -G DEB failed:\n${output}")
endif()
file(GLOB debs ${BUILD_DIR}/nemoscope_*.deb)
list(LENGTH debs count)
if(NOT count EQUAL 1)
    message(FATAL_ERROR "expected one nemoscope_*.deb in ${BUILD_DIR}, found: ${debs}")
endif()
execute_process(COMMAND ${DPKG_DEB} --contents ${debs} OUTPUT_VARIABLE contents RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "dpkg-deb cannot read ${debs}")
endif()
foreach(path
        ./usr/bin/nemoscope
        ./usr/share/applications/org.nemoscope.Nemoscope.desktop
        ./usr/share/mime/packages/org.nemoscope.Nemoscope.xml
        ./usr/share/metainfo/org.nemoscope.Nemoscope.metainfo.xml
        ./usr/share/icons/hicolor/scalable/apps/org.nemoscope.Nemoscope.svg
        ./usr/share/nemoscope/examples/fitted_ridge_glm.npz
        ./usr/share/nemoscope/examples/custom_names_glm.npz)
    string(FIND "${contents}" "${path}" found)
    if(found EQUAL -1)
        message(FATAL_ERROR "the package lacks ${path}; it holds:\n${contents}")
    endif()
endforeach()
execute_process(COMMAND ${DPKG_DEB} --field ${debs} Depends OUTPUT_VARIABLE depends)
message(STATUS "built ${debs}; Depends: ${depends}")
