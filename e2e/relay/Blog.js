// The documents relay-compiler compiles against ../../schema.graphql (e2e/run).
// Never run: relay.test.mjs imports the artifacts the compiler writes.
import { graphql } from "relay-runtime";

// A refetchable fragment on Post: the compiler writes BlogPostRefetchQuery,
// `node(id: $id) { ...Blog_post }`.
graphql`
  fragment Blog_post on Post @refetchable(queryName: "BlogPostRefetchQuery") {
    title
    slug
  }
`;

// Author.posts as a Relay connection, paged forward.
graphql`
  fragment Blog_author on Author
  @argumentDefinitions(count: { type: "Int", defaultValue: 2 }, cursor: { type: "String" })
  @refetchable(queryName: "BlogAuthorPostsPaginationQuery") {
    username
    posts(first: $count, after: $cursor) @connection(key: "Blog_author_posts") {
      edges {
        node {
          title
          ...Blog_post
        }
      }
    }
  }
`;

graphql`
  query BlogAuthorQuery($username: String!) {
    author(username: $username) {
      ...Blog_author
    }
  }
`;

graphql`
  query BlogPostQuery($slug: String!) {
    post(slug: $slug) {
      ...Blog_post
    }
  }
`;

graphql`
  mutation BlogRenameMutation($id: ID!, $title: String!) {
    updatePost(id: $id, input: { title: $title }) {
      post {
        ...Blog_post
      }
    }
  }
`;
