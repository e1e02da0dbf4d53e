"""Writers: tables for people (CSV) and the link graph for Gephi (GEXF)."""
