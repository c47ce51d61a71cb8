use libmimalloc_sys::mi_option_set;

/// mimalloc instead of glibc's allocator: in a profile of `GET /products/:id`, glibc's malloc
/// and free were a quarter of shopd's instructions; with mimalloc a read takes 17 % fewer.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the `mi_option_t` of the mimalloc that libmimalloc-sys builds
/// (its Rust bindings leave this one out; `purge_delay_is_option_15` checks the number).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // Argon2id takes a 19 MiB block for each password it hashes. mimalloc keeps freed memory
    // mapped for a while (a second, and only looked at on its next call), so a burst of logins
    // left shopd at over 100 MiB until other work came along. Giving it back at once costs
    // a few madvise calls: 25 in 12,000 reads by id.
    // SAFETY: sets an allocator option before any thread but this one exists.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    shopd::cli::main()
}

#[cfg(test)]
mod tests {
    use libmimalloc_sys::mi_option_get;

    #[test]
    fn purge_delay_is_option_15() {
        // purge_delay defaults to 1000 (ms); the options on either side of it to 1 and 0.
        // SAFETY: reads allocator options.
        unsafe {
            assert_eq!(mi_option_get(super::MI_OPTION_PURGE_DELAY), 1000);
            assert_eq!(mi_option_get(super::MI_OPTION_PURGE_DELAY - 1), 1);
            assert_eq!(mi_option_get(super::MI_OPTION_PURGE_DELAY + 1), 0);
        }
    }
}
