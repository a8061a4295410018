// Compile-time stub of Jenkins remoting's VirtualChannel (tests/consumers/jenkins/README.md).
package hudson.remoting;

public interface VirtualChannel {
}
