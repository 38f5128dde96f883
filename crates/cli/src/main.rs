//! The `ipv4kit` command (work in progress; see issue 4).

mod capture;

fn main() {
    eprintln!("ipv4kit: the command-line tool is not built yet; see the README");
    std::process::exit(2);
}
