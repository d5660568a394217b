# guest.cmake - cross-compiling MIPS32r2 little-endian guest software.
#
# The host project's compiler is not used: every guest object is built by a custom command
# that runs clang --target=mipsel-unknown-elf, and every image is linked by ld.lld with the
# bare-metal runtime of guest/bare/rt at kseg0 0x80100000. guest/ and bench/ both use this.
# guest/common holds what the three environments (bare runtime, kernel, user libc) share:
# its headers are on every guest object's include path, and guest_common() builds its
# sources for each environment.
# Sets GUEST_TOOLCHAIN_FOUND.

find_program(GUEST_CLANG NAMES clang clang-14 clang-15 clang-16)
find_program(GUEST_LLD NAMES ld.lld ld.lld-14 ld.lld-15 ld.lld-16)
set(GUEST_TOOLCHAIN_FOUND OFF)
if(GUEST_CLANG AND GUEST_LLD)
  set(GUEST_TOOLCHAIN_FOUND ON)
endif()

set(GUEST_CFLAGS
  --target=mipsel-unknown-elf -march=mips32r2 -msoft-float -ffreestanding
  -nostdlib -fno-builtin -G0 -mno-abicalls -fno-pic
  -O2 -g -Wall -Wextra -Werror -std=gnu11
  -fno-stack-protector -fno-common
  # Guest images must not depend on where the tree is: no source or build path in them
  # (a path's length would move what follows it, and the exact counters with it).
  -ffile-prefix-map=${CMAKE_SOURCE_DIR}=. -ffile-prefix-map=${CMAKE_BINARY_DIR}=build)

set(GUEST_RT_DIR ${CMAKE_SOURCE_DIR}/guest/bare/rt)
set(GUEST_COMMON_DIR ${CMAKE_SOURCE_DIR}/guest/common)
file(GLOB GUEST_RT_HEADERS ${GUEST_RT_DIR}/*.h)
file(GLOB GUEST_COMMON_HEADERS ${GUEST_COMMON_DIR}/*.h)
set(GUEST_COMMON_SRCS string.c format.c)

# guest_compile(OUTVAR OBJDIR SOURCE [EXTRA_DEPENDS...]): the rule for one object.
function(guest_compile outvar objdir src)
  get_filename_component(base ${src} NAME)
  set(obj ${objdir}/${base}.o)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${GUEST_CLANG} ${GUEST_CFLAGS} -I${GUEST_RT_DIR} -I${GUEST_COMMON_DIR}
            -c ${src} -o ${obj}
    DEPENDS ${src} ${GUEST_RT_HEADERS} ${GUEST_COMMON_HEADERS} ${ARGN}
    COMMENT "guest: compiling ${base}"
    VERBATIM)
  set(${outvar} ${obj} PARENT_SCOPE)
endfunction()

# guest_common(OUTVAR OBJDIR): the objects of guest/common (string functions, the printf
# engine) in OBJDIR, which must not hold other objects of the same names.
function(guest_common outvar objdir)
  file(MAKE_DIRECTORY ${objdir})
  set(objs)
  foreach(src ${GUEST_COMMON_SRCS})
    guest_compile(o ${objdir} ${GUEST_COMMON_DIR}/${src})
    list(APPEND objs ${o})
  endforeach()
  set(${outvar} ${objs} PARENT_SCOPE)
endfunction()

# guest_runtime(OUTVAR OBJDIR): the runtime's objects (start code, UART, exit, vectors)
# followed by guest/common's (in OBJDIR/common).
function(guest_runtime outvar objdir)
  file(MAKE_DIRECTORY ${objdir})
  set(objs)
  foreach(src start.S rt.c)
    guest_compile(o ${objdir} ${GUEST_RT_DIR}/${src})
    list(APPEND objs ${o})
  endforeach()
  guest_common(common ${objdir}/common)
  list(APPEND objs ${common})
  set(${outvar} ${objs} PARENT_SCOPE)
endfunction()

# guest_link(ELF RT_OBJS_VAR OBJ...): links one image with the runtime.
function(guest_link elf rt_objs_var)
  get_filename_component(name ${elf} NAME)
  add_custom_command(
    OUTPUT ${elf}
    COMMAND ${GUEST_LLD} -T ${GUEST_RT_DIR}/link.ld --no-undefined
            -o ${elf} ${${rt_objs_var}} ${ARGN}
    DEPENDS ${${rt_objs_var}} ${ARGN} ${GUEST_RT_DIR}/link.ld
    COMMENT "guest: linking ${name}"
    VERBATIM)
endfunction()
