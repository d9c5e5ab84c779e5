#[test]
fn integration_adds() {
    assert_eq!(offload_example::add(40, 2), 42);
}
