-- CreateTable
CREATE TABLE "call_feedback" (
    "call_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "rating" INTEGER NOT NULL,
    "issues" TEXT[],
    "comment" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "call_feedback_pkey" PRIMARY KEY ("call_id","user_id")
);

-- AddForeignKey
ALTER TABLE "call_feedback" ADD CONSTRAINT "call_feedback_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "call_feedback" ADD CONSTRAINT "call_feedback_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
