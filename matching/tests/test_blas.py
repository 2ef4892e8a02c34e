"""matching.blas: one BLAS thread inside the block, the previous setting restored after."""

from threadpoolctl import threadpool_info

from matching.blas import _controller, one_thread


def blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_one_thread_inside_and_restored_after():
    before = blas_threads()
    assert before, "numpy's BLAS should be visible to threadpoolctl"
    with one_thread():
        assert blas_threads() == [1] * len(before)
    assert blas_threads() == before


def test_restored_after_an_error():
    before = blas_threads()
    try:
        with one_thread():
            raise ValueError("boom")
    except ValueError:
        pass
    assert blas_threads() == before


def test_the_libraries_are_looked_up_once():
    assert _controller() is _controller()
