// Compile-time stub of Jenkins core's hudson.model.Api (tests/consumers/jenkins/README.md).
package hudson.model;

public class Api {
    public Api(Object bean) {
    }
}
