fn main() {
    println!("gateway-example: not built yet");
}
