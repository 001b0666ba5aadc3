"""The STM32 link bring-up image (csrc/firmware/port_arm/main_stm32f103.c):
it links for the Nucleo-F103RB, fits the part with room for the stack, its
vector table is where the Cortex-M3 looks for it, and `rover flash` flashes
exactly that file.  QEMU models no STM32F103, so the image is not run here
(docs/hil.md section 12.1)."""
from __future__ import annotations

import shlex
import shutil
import struct
import subprocess

import pytest
from click.testing import CliRunner

from ground import flashing as F
from ground.cli.main import cli

pytestmark = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None,
                                reason="needs gcc-arm-none-eabi and libnewlib-arm-none-eabi")
BOARD = F.board_type("nucleo-f103rb")


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    build = tmp_path_factory.mktemp("stm32build")
    return build, F.build_arm_images("nucleo-f103rb", build)


def test_images_link_and_fit_the_part(images):
    _, imgs = images
    for role, binfile in imgs.items():
        size = subprocess.run(["arm-none-eabi-size", "-A", str(binfile.with_suffix(".elf"))],
                              capture_output=True, text=True, check=True).stdout
        sec = {ln.split()[0]: int(ln.split()[1]) for ln in size.splitlines()
               if ln.startswith(".") and len(ln.split()) >= 2}
        ram = sec.get(".data", 0) + sec.get(".bss", 0)
        assert F.check_image_fits("nucleo-f103rb", binfile) <= BOARD.app_bytes, role
        assert ram <= BOARD.ram_bytes - 2048, (role, ram)      # the linker keeps 2 KB of stack


def test_vector_table_points_into_the_part(images):
    """Word 0 is the initial stack pointer (top of the 20 KB SRAM), word 1
    the reset handler: a Thumb address inside the 128 KB flash."""
    _, imgs = images
    sp, reset = struct.unpack("<II", imgs["mobility"].read_bytes()[:8])
    assert sp == 0x20000000 + BOARD.ram_bytes
    assert reset & 1 and BOARD.load_addr <= (reset & ~1) < BOARD.load_addr + BOARD.flash_bytes


def test_flash_dry_run_names_the_built_image(images):
    build, imgs = images
    r = CliRunner().invoke(cli, ["flash", "--board", "nucleo-f103rb", "--role", "payload",
                                 "--build-dir", str(build), "--dry-run"])
    assert r.exit_code == 0, r.output
    argv = shlex.split(r.output.strip())
    assert argv[0] == "openocd"
    assert f"program {imgs['payload']} 0x08000000 verify reset exit" in argv


def test_a_board_without_an_image_target_says_so():
    with pytest.raises(F.FlashError, match="no firmware image target for the stm32vldiscovery"):
        F.build_arm_images("stm32vldiscovery")
