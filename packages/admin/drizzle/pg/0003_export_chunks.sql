CREATE TABLE "weft_export_chunks" (
	"job_id" text NOT NULL,
	"seq" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "weft_export_chunks_job_id_seq_pk" PRIMARY KEY("job_id","seq")
);
