-- AlterTable
ALTER TABLE "calls" ADD COLUMN     "caller_display" TEXT,
ADD COLUMN     "room_name" TEXT;

-- CreateTable
CREATE TABLE "room_slots" (
    "room_name" TEXT NOT NULL,
    "call_id" TEXT NOT NULL,

    CONSTRAINT "room_slots_pkey" PRIMARY KEY ("room_name")
);

-- CreateIndex
CREATE UNIQUE INDEX "room_slots_call_id_key" ON "room_slots"("call_id");

-- AddForeignKey
ALTER TABLE "room_slots" ADD CONSTRAINT "room_slots_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE CASCADE ON UPDATE CASCADE;
