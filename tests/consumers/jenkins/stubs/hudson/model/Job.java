// Compile-time stub of Jenkins core's hudson.model.Job (tests/consumers/jenkins/README.md).
package hudson.model;

public abstract class Job<J extends Job<J, R>, R extends Run<J, R>> {
    public abstract R getBuildByNumber(int n);
}
